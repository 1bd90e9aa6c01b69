import { randomBytes, randomUUID } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretError } from './secret-error.ts';

const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]{43}=$/;

export interface MasterKey {
  key: Buffer;
  /** Where the key came from, for error messages that tell the operator what to fix. */
  source: { kind: 'env' } | { kind: 'file'; path: string };
}

/**
 * The vault's master key: REMIT_MASTER_KEY when given (base64 of 32 bytes), else
 * `<secretsDir>/master.key`, created 0600 with 32 random bytes on first use. The key lives
 * outside the database, so a copy of the database alone decrypts nothing.
 */
export async function loadMasterKey(options: { secretsDir: string; masterKey?: string | undefined }): Promise<MasterKey> {
  if (options.masterKey !== undefined) {
    const key = Buffer.from(options.masterKey, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new SecretError('secret_key_invalid', 'REMIT_MASTER_KEY must be 32 bytes, base64-encoded (generate one with: openssl rand -base64 32).');
    }
    return { key, source: { kind: 'env' } };
  }
  const path = join(options.secretsDir, 'master.key');
  const key = (await readKeyFile(path)) ?? (await createKeyFile(path));
  return { key, source: { kind: 'file', path } };
}

/** The key in `path`, or undefined if there is none yet. A bad or exposed file is refused, never replaced. */
async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unavailable(path, err);
  }
  try {
    // fstat on the open handle, so the mode checked is the mode of the file read.
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new SecretError('secret_key_invalid', `${path} is not a regular file; move it away, or set REMIT_MASTER_KEY.`);
    }
    const { mode } = info;
    if ((mode & 0o077) !== 0) {
      const shown = (mode & 0o777).toString(8).padStart(4, '0');
      throw new SecretError(
        'secret_key_invalid',
        `${path} has mode ${shown}, so other users may read the master key; run \`chmod 600 ${path}\` (and rotate the secrets if someone else could have read it), or set REMIT_MASTER_KEY.`,
      );
    }
    const text = (await handle.readFile('utf8')).trim();
    if (!BASE64.test(text)) {
      throw new SecretError(
        'secret_key_invalid',
        `${path} is not a base64 32-byte key; restore it from a backup, or set REMIT_MASTER_KEY to the key the vault was written with.`,
      );
    }
    return Buffer.from(text, 'base64');
  } catch (err) {
    if (err instanceof SecretError) throw err;
    throw unavailable(path, err);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new key so that concurrent first starts agree on one: each process writes its own
 * temp file, then link(2) publishes it only if no key exists yet (rename(2) would overwrite,
 * and the loser would encrypt with a key no one else has). The loser reads the winner's key.
 */
async function createKeyFile(path: string): Promise<Buffer> {
  const key = randomBytes(KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unavailable(path, err);
    const theirs = await readKeyFile(path);
    if (theirs === undefined) throw unavailable(path, err);
    return theirs;
  } finally {
    // The temp file is gone once linked, or never made it: a failure here has nothing to report.
    await unlink(temp).catch(() => undefined);
  }
}

function unavailable(path: string, cause: unknown): SecretError {
  return new SecretError('secret_store_unavailable', `Cannot read or create the master key file ${path}.`, { cause });
}
