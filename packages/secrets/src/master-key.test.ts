import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMasterKey } from './master-key.ts';
import { expectSecretError, withDataDir } from './testing.ts';

describe('loadMasterKey', () => {
  it('creates a 0600 key file of 32 random bytes on first use and reads the same key later', async () => {
    await withDataDir(async (dir) => {
      const first = await loadMasterKey({ secretsDir: dir });
      expect(first.key).toHaveLength(32);
      expect(first.source).toEqual({ kind: 'file', path: join(dir, 'master.key') });
      expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
      expect((await loadMasterKey({ secretsDir: dir })).key.equals(first.key)).toBe(true);
    });
  });

  it('agrees on one key when many callers start at once', async () => {
    await withDataDir(async (dir) => {
      const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ secretsDir: dir })));
      const stored = Buffer.from((await readFile(join(dir, 'master.key'), 'utf8')).trim(), 'base64');
      for (const { key } of keys) expect(key.equals(stored)).toBe(true);
    });
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o666])('refuses a key file with mode %o and says how to fix it', async (mode) => {
    await withDataDir(async (dir) => {
      const key = randomBytes(32).toString('base64');
      await writeFile(join(dir, 'master.key'), `${key}\n`);
      await chmod(join(dir, 'master.key'), mode);
      const err = await expectSecretError(loadMasterKey({ secretsDir: dir }), 'secret_key_invalid');
      expect(err.message).toContain(`chmod 600 ${join(dir, 'master.key')}`);
      expect(err.message).toContain(`0${mode.toString(8)}`);
      expect(err.message).not.toContain(key);
    });
  });

  it('accepts a key file tightened to 0400', async () => {
    await withDataDir(async (dir) => {
      await writeFile(join(dir, 'master.key'), randomBytes(32).toString('base64'), { mode: 0o400 });
      await expect(loadMasterKey({ secretsDir: dir })).resolves.toMatchObject({ source: { kind: 'file' } });
    });
  });

  it.each([
    ['empty', ''],
    ['too short', randomBytes(16).toString('base64')],
    ['not base64', '!'.repeat(44)],
  ])('refuses a %s key file instead of replacing it', async (_what, content) => {
    await withDataDir(async (dir) => {
      await writeFile(join(dir, 'master.key'), content, { mode: 0o600 });
      const err = await expectSecretError(loadMasterKey({ secretsDir: dir }), 'secret_key_invalid');
      expect(err.message).toContain('REMIT_MASTER_KEY');
      expect(await readFile(join(dir, 'master.key'), 'utf8')).toBe(content);
    });
  });

  it('uses REMIT_MASTER_KEY when given and creates no key file', async () => {
    await withDataDir(async (dir) => {
      const key = randomBytes(32);
      const loaded = await loadMasterKey({ secretsDir: dir, masterKey: key.toString('base64') });
      expect(loaded.key.equals(key)).toBe(true);
      expect(loaded.source).toEqual({ kind: 'env' });
      await expect(stat(join(dir, 'master.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['empty', ''],
  ])('refuses a REMIT_MASTER_KEY of %s, naming the variable but not its value', async (_what, value) => {
    await withDataDir(async (dir) => {
      const err = await expectSecretError(loadMasterKey({ secretsDir: dir, masterKey: value }), 'secret_key_invalid');
      expect(err.message).toContain('REMIT_MASTER_KEY');
      if (value !== '') expect(err.message).not.toContain(value);
    });
  });

  it('refuses a directory where the key file should be', async () => {
    await withDataDir(async (dir) => {
      await mkdir(join(dir, 'master.key'));
      await expectSecretError(loadMasterKey({ secretsDir: dir }), 'secret_key_invalid');
    });
  });

  it('reports a key file it cannot create as unavailable', async () => {
    await withDataDir(async (dir) => {
      await expectSecretError(loadMasterKey({ secretsDir: join(dir, 'missing') }), 'secret_store_unavailable');
    });
  });
});
