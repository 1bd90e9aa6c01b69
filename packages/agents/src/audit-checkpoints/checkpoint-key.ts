import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SecretError, SecretValue, type SecretRef, type SecretStore } from '@remit/secrets';

/** Where the org's checkpoint signing key lives: the private key never leaves the secret store. */
export function checkpointKeyRef(orgId: string): SecretRef {
  return { orgId, scope: 'audit', ownerId: 'checkpoints', name: 'signing-key' };
}

export interface CheckpointKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The org's Ed25519 checkpoint key (PKCS#8 PEM in the secret store), created on first use.
 * After creating one it reads the store back and uses what is there, so two processes racing
 * to create it both end up with whichever write the store kept.
 */
export async function loadOrCreateCheckpointKey(secrets: SecretStore, orgId: string): Promise<CheckpointKeyPair> {
  const ref = checkpointKeyRef(orgId);
  try {
    return keyPairOf(await secrets.get(ref));
  } catch (err) {
    if (!(err instanceof SecretError && err.code === 'secret_not_found')) throw err;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await secrets.put(ref, new SecretValue(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
  return keyPairOf(await secrets.get(ref));
}

function keyPairOf(pem: SecretValue): CheckpointKeyPair {
  const privateKey = createPrivateKey(pem.reveal());
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('the audit checkpoint key in the secret store is not Ed25519');
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The public key as SPKI PEM: what `remit audit public-key` prints and a verifier takes. */
export function checkpointPublicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}
