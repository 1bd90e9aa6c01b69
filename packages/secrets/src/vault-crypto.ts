import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretRef } from './secret-ref.ts';

/** The vault file's format; bound into every entry's AAD so an entry cannot be replayed across formats. */
export const VAULT_FORMAT = 1;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface VaultKeys {
  /** AES-256-GCM key for entries. */
  encryption: Buffer;
  /** Names the master key in the vault file, so a wrong key is told apart from a tampered entry. */
  keyId: string;
}

export interface SealedEntry {
  nonce: string;
  ciphertext: string;
  tag: string;
}

/**
 * Derives separate keys with HKDF-SHA256 (RFC 5869) so the key id stored in the file is
 * independent of the encryption key: publishing it reveals nothing about either.
 */
export function deriveVaultKeys(master: Buffer): VaultKeys {
  const derive = (info: string, bytes: number) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, bytes));
  return {
    encryption: derive(`remit/vault/v${VAULT_FORMAT}/aes-256-gcm`, 32),
    keyId: derive(`remit/vault/v${VAULT_FORMAT}/key-id`, 16).toString('base64url'),
  };
}

/** Constant-time comparison of key ids (both are public, but it costs nothing). */
export function sameKeyId(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Additional authenticated data: the format, the ref's four parts and the version. A
 * ciphertext moved to another org's, owner's or name's entry fails authentication. JSON of an
 * array is unambiguous whatever the components contain.
 */
function aad(ref: SecretRef, version: string): Buffer {
  return Buffer.from(JSON.stringify(['remit-vault', VAULT_FORMAT, ref.orgId, ref.scope, ref.ownerId, ref.name, version]));
}

/**
 * Encrypts with a fresh random 96-bit nonce per write. Each put encrypts one entry, so the
 * NIST SP 800-38D limit of 2^32 random nonces per key is far beyond any vault's lifetime.
 */
export function sealEntry(key: Buffer, ref: SecretRef, version: string, plaintext: string): SealedEntry {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(ref, version));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/**
 * The plaintext, or undefined when anything fails: malformed base64, a nonce or tag of the
 * wrong length, or authentication. Node accepts tags as short as 4 bytes unless
 * authTagLength is fixed, which would make forgeries cheap, so the length is checked twice.
 */
export function openEntry(key: Buffer, ref: SecretRef, version: string, sealed: SealedEntry): string | undefined {
  const nonce = strictBase64(sealed.nonce);
  const ciphertext = strictBase64(sealed.ciphertext);
  const tag = strictBase64(sealed.tag);
  if (nonce?.length !== NONCE_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(ref, version));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return plaintext.toString('utf8');
  } catch {
    // A failed check is the answer (undefined: secret_corrupt for the caller); the cipher's
    // message says no more than that, and is about the sealed bytes.
    return undefined;
  }
}

/** Buffer.from(s, 'base64') skips characters it does not know; a flipped character must not pass silently. */
function strictBase64(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
