import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import type { Sql } from '@remit/db';

/**
 * The keys personal audit details are sealed under (personal-seal.ts). Each org has an X25519
 * wrapping key: its private half only in the secret store, its public half in
 * audit_personal_wrap_keys. Each user has an X25519 key pair: details are sealed to the public
 * half, and the private half is stored sealed to the org's wrapping key. Appending needs public
 * keys only, so no secret is held where entries are written; opening needs the wrapping key, so a
 * database copy alone opens nothing; purging deletes the user's sealed private key, the only copy.
 */

/** The private half of an org's wrapping key, loaded from the secret store (packages/agents, audit-personal-keyring.ts). */
export interface PersonalKeyring {
  orgId: string;
  privateKey: KeyObject;
}

// DER prefixes of X25519 keys (RFC 8410): SPKI for a raw 32-byte public key, PKCS#8 for a private one.
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const EPK_BYTES = 32;

export const rawPublicKey = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
const publicKeyOf = (raw: Buffer): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
const rawPrivateKey = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
const privateKeyOf = (raw: Buffer): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });

/**
 * Seals `plain` to an X25519 public key (ECIES): a fresh ephemeral key, HKDF-SHA256 over the
 * shared secret (salted with both public keys) to an AES-256-GCM key, `aad` authenticated.
 * Returns ephemeral public key ‖ IV ‖ ciphertext ‖ tag.
 */
export function sealTo(recipient: KeyObject, plain: Buffer, aad: Buffer): Buffer {
  const ephemeral = generateKeyPairSync('x25519');
  const epk = rawPublicKey(ephemeral.publicKey);
  const key = contentKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), epk, rawPublicKey(recipient));
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([epk, iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Opens what sealTo sealed to `recipient`'s public key; throws when anything (the bytes, the AAD, the key) differs. */
export function openFrom(recipient: KeyObject, sealed: Buffer, aad: Buffer): Buffer {
  const epk = sealed.subarray(0, EPK_BYTES);
  const iv = sealed.subarray(EPK_BYTES, EPK_BYTES + IV_BYTES);
  const ct = sealed.subarray(EPK_BYTES + IV_BYTES, sealed.length - TAG_BYTES);
  const key = contentKey(diffieHellman({ privateKey: recipient, publicKey: publicKeyOf(epk) }), epk, rawPublicKey(createPublicKey(recipient)));
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}

function contentKey(shared: Buffer, epk: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), 'remit.audit_personal.ecies.v1', 32));
}

// A sealed key is bound to its org and row id: a sealed_key copied onto another row fails to open.
const keyAad = (orgId: string, keyId: string) => Buffer.from(`remit.audit_personal_key.v2|${orgId}|${keyId}`);

const newestWrapKey = `select encode(public_key, 'base64') as public_key from audit_personal_wrap_keys
                        where org_id = remit_current_org() order by created_at desc limit 1`;

/** The org's wrapping public key (the newest recorded), or undefined before openAuditPersonalKeyring has run for it. */
export async function wrapPublicKey(sql: Sql): Promise<KeyObject | undefined> {
  const res = await sql.query<{ public_key: string }>(newestWrapKey);
  return res.rows[0] ? publicKeyOf(Buffer.from(res.rows[0].public_key, 'base64')) : undefined;
}

/** A wrapped key pair for `userId` (null: the org's own), sealed to `wrapKey` and stored; returns its id and public key. */
export async function createWrappedKey(sql: Sql, userId: string | null, wrapKey: KeyObject): Promise<{ id: string; publicKey: KeyObject }> {
  const pair = generateKeyPairSync('x25519');
  const id = randomUUID();
  const orgId = await currentOrg(sql);
  const sealed = sealTo(wrapKey, rawPrivateKey(pair.privateKey), keyAad(orgId, id));
  await sql.query(
    `insert into audit_personal_keys (org_id, id, user_id, public_key, sealed_key)
     values (remit_current_org(), $1, $2, decode($3, 'base64'), decode($4, 'base64'))`,
    [id, userId, rawPublicKey(pair.publicKey).toString('base64'), sealed.toString('base64')],
  );
  return { id, publicKey: pair.publicKey };
}

export const publicKeyFromRow = (base64: string): KeyObject => publicKeyOf(Buffer.from(base64, 'base64'));

/** A user's private key (v2 row) or legacy AES key (wrapped 0015 row), opened with the org's wrapping key. */
export function openSealedKey(keyring: PersonalKeyring, keyId: string, sealedBase64: string): Buffer {
  return openFrom(keyring.privateKey, Buffer.from(sealedBase64, 'base64'), keyAad(keyring.orgId, keyId));
}

export const privateKeyFromRaw = privateKeyOf;

/**
 * Records the org's wrapping public key (the first start only), refuses to go on when the newest recorded
 * one is not the secret store's (a row added by someone else would have new keys wrapped to their
 * key; this names it at every start), and wraps every
 * legacy plain key from migration 0015: deleted and inserted again under the same id, sealed.
 * Returns how many legacy keys it wrapped.
 */
export async function installWrapKey(sql: Sql, keyring: PersonalKeyring): Promise<number> {
  const publicKey = createPublicKey(keyring.privateKey);
  const raw = rawPublicKey(publicKey).toString('base64');
  await sql.query(
    `insert into audit_personal_wrap_keys (org_id, public_key)
     select remit_current_org(), decode($1, 'base64')
      where not exists (select 1 from audit_personal_wrap_keys where org_id = remit_current_org())
     on conflict (org_id, public_key) do nothing`,
    [raw],
  );
  const stored = await sql.query<{ public_key: string }>(newestWrapKey);
  if (stored.rows[0]?.public_key !== raw) throw new Error('audit_personal_wrap_keys holds another public key than the secret store’s wrapping key');
  const legacy = await sql.query<{ id: string; user_id: string | null; created_at: Date; key: string }>(
    `delete from audit_personal_keys where org_id = remit_current_org() and key is not null
     returning id, user_id, created_at, encode(key, 'base64') as key`,
  );
  for (const row of legacy.rows) {
    const sealed = sealTo(publicKey, Buffer.from(row.key, 'base64'), keyAad(keyring.orgId, row.id));
    await sql.query(
      `insert into audit_personal_keys (org_id, id, user_id, created_at, sealed_key) values (remit_current_org(), $1, $2, $3, decode($4, 'base64'))`,
      [row.id, row.user_id, row.created_at, sealed.toString('base64')],
    );
  }
  return legacy.rowCount;
}

async function currentOrg(sql: Sql): Promise<string> {
  const res = await sql.query<{ org_id: string }>('select remit_current_org() as org_id');
  return res.rows[0]!.org_id;
}
