import { randomUUID } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SecretError } from './secret-error.ts';
import { VAULT_FORMAT, type SealedEntry } from './vault-crypto.ts';

/** One stored secret. `ref` is formatSecretRef's string; the rest is base64 but `version`. */
export interface VaultEntry extends SealedEntry {
  ref: string;
  version: string;
}

/** The whole vault file: `{ format, keyId, entries }`, rewritten as one unit on every change. */
export interface VaultDocument {
  format: typeof VAULT_FORMAT;
  keyId: string;
  entries: VaultEntry[];
}

const ENTRY_FIELDS = ['ref', 'version', 'nonce', 'ciphertext', 'tag'] as const;

/**
 * The vault at `path`, or undefined if there is none yet. A file that is not a vault is
 * secret_corrupt and is never overwritten: every write starts from what was read here.
 */
export async function readVault(path: string): Promise<VaultDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretError('secret_store_unavailable', `Cannot read the secrets vault ${path}.`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined; // the parser's message quotes file content; it stays out of the error
  }
  if (isRecord(doc) && typeof doc['format'] === 'number' && doc['format'] !== VAULT_FORMAT) {
    throw new SecretError('secret_store_unavailable', `The secrets vault ${path} has format ${doc['format']}, which this version of Remit does not read.`);
  }
  if (!isVaultDocument(doc)) {
    throw new SecretError('secret_corrupt', `The secrets vault ${path} is damaged; restore it from a backup.`);
  }
  return doc;
}

/**
 * Replaces the vault atomically: a 0600 temp file in the same directory, fsync, rename(2),
 * then fsync of the directory so the rename itself survives a power loss. Readers see the old
 * file or the new one, never a mix. Callers hold the vault lock.
 */
export async function writeVault(path: string, doc: VaultDocument): Promise<void> {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const sorted: VaultDocument = { ...doc, entries: [...doc.entries].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)) };
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(sorted, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await syncDirectory(dirname(path));
  } catch (err) {
    // Tidying the temp file is best effort; the write's own failure is the error that matters.
    await unlink(temp).catch(() => undefined);
    throw new SecretError('secret_store_unavailable', `Cannot write the secrets vault ${path}.`, { cause: err });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isVaultDocument(value: unknown): value is VaultDocument {
  return (
    isRecord(value) &&
    value['format'] === VAULT_FORMAT &&
    typeof value['keyId'] === 'string' &&
    Array.isArray(value['entries']) &&
    value['entries'].every((entry: unknown) => isRecord(entry) && ENTRY_FIELDS.every((field) => typeof entry[field] === 'string'))
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
