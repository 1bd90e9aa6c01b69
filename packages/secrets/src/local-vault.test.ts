import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalVaultStore } from './local-vault.ts';
import { formatSecretRef } from './secret-ref.ts';
import { SecretValue } from './secret-value.ts';
import type { VaultDocument } from './vault-file.ts';
import { CONNECTION, ORG_A, ORG_B, connectionRef, expectSecretError, keyPath, vaultPath, withDataDir } from './testing.ts';

const VALUE = 'xoxb-plaintext-token-0123456789-abcdef';
const readDoc = async (dataDir: string) => JSON.parse(await readFile(vaultPath(dataDir), 'utf8')) as VaultDocument;

describe('LocalVaultStore', () => {
  it('returns what was put, and the latest value after an overwrite', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      const ref = connectionRef(ORG_A);
      const first = await store.put(ref, new SecretValue(VALUE));
      expect((await store.get(ref)).reveal()).toBe(VALUE);
      const second = await store.put(ref, new SecretValue('rotated-value'));
      expect(second.version).not.toBe(first.version);
      expect((await store.get(ref)).reveal()).toBe('rotated-value');
      // A second store on the same directory (a restart) reads the same secrets.
      expect((await (await LocalVaultStore.open({ dataDir })).get(ref)).reveal()).toBe('rotated-value');
    });
  });

  it('round-trips empty, multi-line and non-ASCII values', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      for (const [i, value] of ['', '-----BEGIN KEY-----\nabc\n-----END KEY-----\n', 'pässwörd-密码-🔑'].entries()) {
        await store.put(connectionRef(ORG_A, { name: `v${i}` }), new SecretValue(value));
        expect((await store.get(connectionRef(ORG_A, { name: `v${i}` }))).reveal()).toBe(value);
      }
    });
  });

  it('uses a fresh nonce for every write of the same value', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      const seen = new Set<string>();
      const ciphertexts = new Set<string>();
      for (let i = 0; i < 5; i++) {
        await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
        const [entry] = (await readDoc(dataDir)).entries;
        expect(Buffer.from(entry!.nonce, 'base64')).toHaveLength(12);
        seen.add(entry!.nonce);
        ciphertexts.add(entry!.ciphertext);
      }
      expect(seen.size).toBe(5);
      expect(ciphertexts.size).toBe(5);
    });
  });

  it('throws secret_not_found for a ref never stored, or stored in another org', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_not_found');
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      const err = await expectSecretError(store.get(connectionRef(ORG_B)), 'secret_not_found');
      expect(err.details).toEqual({ ref: formatSecretRef(connectionRef(ORG_B)) });
    });
  });

  it('deletes idempotently and keeps other entries', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      await store.delete(connectionRef(ORG_A)); // nothing stored yet, not even a vault file
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      await store.put(connectionRef(ORG_B), new SecretValue('other'));
      await store.delete(connectionRef(ORG_A));
      await store.delete(connectionRef(ORG_A));
      await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_not_found');
      expect((await store.get(connectionRef(ORG_B))).reveal()).toBe('other');
    });
  });

  it("lists an org's refs, optionally of one scope, sorted, and never another org's", async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      const userToken = { orgId: ORG_A, scope: 'oauth_user', ownerId: `${CONNECTION}:user-1`, name: 'refresh_token' } as const;
      await store.put(userToken, new SecretValue('r'));
      await store.put(connectionRef(ORG_A, { name: 'token' }), new SecretValue('t'));
      await store.put(connectionRef(ORG_A, { name: 'client_secret' }), new SecretValue('c'));
      await store.put(connectionRef(ORG_B), new SecretValue('b'));
      expect(await store.list({ orgId: ORG_A })).toEqual([connectionRef(ORG_A, { name: 'client_secret' }), connectionRef(ORG_A), userToken]);
      expect(await store.list({ orgId: ORG_A, scope: 'oauth_user' })).toEqual([userToken]);
      expect(await store.list({ orgId: ORG_B })).toEqual([connectionRef(ORG_B)]);
      await expectSecretError(store.list({ orgId: 'org-a' }), 'secret_ref_invalid');
    });
  });

  it('validates refs before touching the vault', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      await expectSecretError(store.put(connectionRef(ORG_A, { ownerId: '../x' }), new SecretValue(VALUE)), 'secret_ref_invalid');
      await expectSecretError(store.get(connectionRef(ORG_A, { name: '..' })), 'secret_ref_invalid');
      await expectSecretError(store.delete(connectionRef(ORG_A, { ownerId: 'a/b' })), 'secret_ref_invalid');
      await expect(store.put(connectionRef(ORG_A), VALUE as unknown as SecretValue)).rejects.toThrow(TypeError);
    });
  });

  it('writes the vault 0600 in a 0700 directory, with no plaintext in any file', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir });
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      await store.put(connectionRef(ORG_B), new SecretValue(VALUE));
      expect((await stat(vaultPath(dataDir))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dataDir, 'secrets'))).mode & 0o777).toBe(0o700);
      const files = await readdir(join(dataDir, 'secrets'));
      expect(files.sort()).toEqual(['master.key', 'vault.json']); // no temp or lock file left behind
      const spellings = [VALUE, ...(['base64', 'base64url', 'hex'] as const).map((e) => Buffer.from(VALUE).toString(e))];
      for (const file of files) {
        const bytes = await readFile(join(dataDir, 'secrets', file));
        for (const spelling of spellings) expect(bytes.includes(spelling), `${file} holds ${spelling}`).toBe(false);
      }
    });
  });

  it('uses REMIT_MASTER_KEY when given, and refuses another key with a message naming it', async () => {
    await withDataDir(async (dataDir) => {
      const key = randomBytes(32).toString('base64');
      const store = await LocalVaultStore.open({ dataDir, masterKey: key });
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      await expect(stat(keyPath(dataDir))).rejects.toMatchObject({ code: 'ENOENT' });
      const wrong = randomBytes(32).toString('base64');
      const err = await expectSecretError(LocalVaultStore.open({ dataDir, masterKey: wrong }), 'secret_key_invalid');
      expect(err.message).toContain('REMIT_MASTER_KEY');
      expect(err.message).not.toContain(wrong);
      expect(err.message).not.toContain(key);
      // Nor does the key file created without REMIT_MASTER_KEY open it.
      const viaFile = await expectSecretError(LocalVaultStore.open({ dataDir }), 'secret_key_invalid');
      expect(viaFile.message).toContain('REMIT_MASTER_KEY');
    });
  });

  it('refuses a wrong key on every operation of a store opened before the vault was replaced', async () => {
    await withDataDir(async (dataDir) => {
      const a = join(dataDir, 'a');
      const store = await LocalVaultStore.open({ dataDir: a, masterKey: randomBytes(32).toString('base64') });
      const other = await LocalVaultStore.open({ dataDir: a, masterKey: randomBytes(32).toString('base64') }); // no vault yet: opens
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      await expectSecretError(other.get(connectionRef(ORG_A)), 'secret_key_invalid');
      await expectSecretError(other.put(connectionRef(ORG_B), new SecretValue('x')), 'secret_key_invalid');
      await expectSecretError(other.list({ orgId: ORG_A }), 'secret_key_invalid');
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe(VALUE);
    });
  });

  it('serialises concurrent writes within one process without losing any', async () => {
    await withDataDir(async (dataDir) => {
      const [one, two] = await Promise.all([LocalVaultStore.open({ dataDir }), LocalVaultStore.open({ dataDir })]);
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one! : two!).put(connectionRef(ORG_A, { ownerId: `c${i}` }), new SecretValue(`v${i}`))));
      expect(await one!.list({ orgId: ORG_A })).toHaveLength(40);
      for (let i = 0; i < 40; i++) expect((await two!.get(connectionRef(ORG_A, { ownerId: `c${i}` }))).reveal()).toBe(`v${i}`);
    });
  });
});
