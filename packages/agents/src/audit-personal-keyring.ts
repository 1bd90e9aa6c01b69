import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { installWrapKey, type PersonalKeyring } from '@remit/audit';
import type { Database } from '@remit/db';
import { SecretError, SecretValue, type SecretRef, type SecretStore } from '@remit/secrets';

/** Where the org's wrapping key for personal audit keys lives: its private half never leaves the secret store. */
export function auditWrapKeyRef(orgId: string): SecretRef {
  return { orgId, scope: 'audit', ownerId: 'personal-keys', name: 'wrapping-key' };
}

/**
 * The org's keyring for personal audit details (packages/audit/src/personal-keys.ts): its X25519
 * wrapping key (PKCS#8 PEM in the secret store, created on first use and read back, so two
 * processes racing to create it both use whichever write the store kept), with its public half
 * recorded in the database and every legacy plain key wrapped. The runtime opens it at start, so
 * every key created afterwards is wrapped; reading details and purging a user use it.
 */
export async function openAuditPersonalKeyring(db: Database, secrets: SecretStore, orgId: string): Promise<PersonalKeyring> {
  const ref = auditWrapKeyRef(orgId);
  let pem: SecretValue;
  try {
    pem = await secrets.get(ref);
  } catch (err) {
    if (!(err instanceof SecretError && err.code === 'secret_not_found')) throw err;
    const { privateKey } = generateKeyPairSync('x25519');
    await secrets.put(ref, new SecretValue(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
    pem = await secrets.get(ref);
  }
  const privateKey = createPrivateKey(pem.reveal());
  if (privateKey.asymmetricKeyType !== 'x25519') throw new TypeError('the audit wrapping key in the secret store is not X25519');
  const keyring = { orgId, privateKey };
  await db.tenant({ orgId, userId: null }, (sql) => installWrapKey(sql, keyring));
  return keyring;
}
