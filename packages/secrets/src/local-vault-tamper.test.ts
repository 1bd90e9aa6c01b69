import { readFile, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LocalVaultStore } from './local-vault.ts';
import { formatSecretRef, type SecretRef } from './secret-ref.ts';
import { SecretValue } from './secret-value.ts';
import type { VaultEntry } from './vault-file.ts';
import { CONNECTION, ORG_A, ORG_B, connectionRef, editVault, expectSecretError, flipBit, vaultPath, withDataDir } from './testing.ts';

const VALUE_A = 'org-a-service-account-token-000000';
const VALUE_B = 'org-b-service-account-token-111111';

/** A vault holding one secret per ref, opened afresh, so every test starts from a known file. */
async function withVault(refs: [SecretRef, string][], cb: (store: LocalVaultStore, dataDir: string) => Promise<void>): Promise<void> {
  await withDataDir(async (dataDir) => {
    const store = await LocalVaultStore.open({ dataDir });
    for (const [ref, value] of refs) await store.put(ref, new SecretValue(value));
    await cb(store, dataDir);
  });
}

const entryOf = (entries: VaultEntry[], ref: SecretRef) => entries.find((e) => e.ref === formatSecretRef(ref))!;

/** The error must name nothing secret: neither value appears in any rendering of it. */
function expectNoValue(err: Error): void {
  for (const text of [err.message, inspect(err), JSON.stringify(err), String(err.cause)]) {
    expect(text).not.toContain(VALUE_A);
    expect(text).not.toContain(VALUE_B);
  }
}

describe('LocalVaultStore against a tampered vault file', () => {
  it.each<[string, SecretRef]>([
    ['another org', connectionRef(ORG_B)],
    ['another connection of the same org', connectionRef(ORG_A, { ownerId: 'b7c6d5e4-f3a2-4b1c-8d9e-0f1a2b3c4d5e' })],
    ['another secret name of the same connection', connectionRef(ORG_A, { name: 'client_secret' })],
    ['another user of the same connection', { orgId: ORG_A, scope: 'oauth_user', ownerId: `${CONNECTION}:user-b`, name: 'token' }],
  ])("refuses org A's ciphertext copied into the entry of %s", async (_who, victim) => {
    await withVault(
      [
        [connectionRef(ORG_A), VALUE_A],
        [victim, VALUE_B],
      ],
      async (store, dataDir) => {
        await editVault(dataDir, (doc) => {
          const from = entryOf(doc.entries, connectionRef(ORG_A));
          Object.assign(entryOf(doc.entries, victim), { nonce: from.nonce, ciphertext: from.ciphertext, tag: from.tag, version: from.version });
        });
        expectNoValue(await expectSecretError(store.get(victim), 'secret_corrupt'));
        expect((await store.get(connectionRef(ORG_A))).reveal()).toBe(VALUE_A);
      },
    );
  });

  it("refuses an entry whose ref was rewritten to another org's", async () => {
    await withVault([[connectionRef(ORG_A), VALUE_A]], async (store, dataDir) => {
      await editVault(dataDir, (doc) => {
        doc.entries[0]!.ref = formatSecretRef(connectionRef(ORG_B));
      });
      await expectSecretError(store.get(connectionRef(ORG_B)), 'secret_corrupt');
    });
  });

  it.each(['nonce', 'ciphertext', 'tag'] as const)('refuses a flipped bit anywhere in the %s', async (field) => {
    await withVault([[connectionRef(ORG_A), VALUE_A]], async (store, dataDir) => {
      const original = (JSON.parse(await readFile(vaultPath(dataDir), 'utf8')) as { entries: VaultEntry[] }).entries[0]!;
      const length = Buffer.from(original[field], 'base64').length;
      for (const index of new Set([0, length >> 1, length - 1])) {
        await editVault(dataDir, (doc) => {
          doc.entries[0]![field] = flipBit(original[field], index);
        });
        expectNoValue(await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_corrupt'));
      }
    });
  });

  it.each<[string, (e: VaultEntry) => void]>([
    ['another version label', (e) => (e.version = '00000000-0000-4000-8000-000000000000')],
    ['a truncated tag (GCM would accept 4 bytes)', (e) => (e.tag = Buffer.from(e.tag, 'base64').subarray(0, 12).toString('base64'))],
    ['an empty tag', (e) => (e.tag = '')],
    ['a truncated ciphertext', (e) => (e.ciphertext = Buffer.from(e.ciphertext, 'base64').subarray(1).toString('base64'))],
    ['a shorter nonce', (e) => (e.nonce = Buffer.from(e.nonce, 'base64').subarray(0, 8).toString('base64'))],
    ['a stray character in the base64', (e) => (e.ciphertext = `${e.ciphertext.slice(0, 4)}*${e.ciphertext.slice(4)}`)],
  ])('refuses an entry with %s', async (_what, edit) => {
    await withVault([[connectionRef(ORG_A), VALUE_A]], async (store, dataDir) => {
      await editVault(dataDir, (doc) => edit(doc.entries[0]!));
      await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_corrupt');
    });
  });

  it('refuses a ref stored twice rather than picking one', async () => {
    await withVault(
      [
        [connectionRef(ORG_A), VALUE_A],
        [connectionRef(ORG_B), VALUE_B],
      ],
      async (store, dataDir) => {
        await editVault(dataDir, (doc) => {
          doc.entries.push({ ...entryOf(doc.entries, connectionRef(ORG_A)) });
        });
        await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_corrupt');
      },
    );
  });

  it('refuses a damaged vault file for reads and writes, and never overwrites it', async () => {
    await withVault([[connectionRef(ORG_A), VALUE_A]], async (store, dataDir) => {
      const damaged = (await readFile(vaultPath(dataDir), 'utf8')).slice(0, -20);
      await writeFile(vaultPath(dataDir), damaged);
      const err = await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_corrupt');
      expect(err.cause).toBeUndefined(); // JSON.parse's message would quote the file
      await expectSecretError(store.put(connectionRef(ORG_B), new SecretValue(VALUE_B)), 'secret_corrupt');
      await expectSecretError(store.delete(connectionRef(ORG_A)), 'secret_corrupt');
      expect(await readFile(vaultPath(dataDir), 'utf8')).toBe(damaged);
    });
  });

  it('reads a vault of an unknown format as unavailable, not corrupt', async () => {
    await withVault([[connectionRef(ORG_A), VALUE_A]], async (store, dataDir) => {
      await editVault(dataDir, (doc) => {
        (doc as { format: number }).format = 2;
      });
      const err = await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_store_unavailable');
      expect(err.message).toContain('format 2');
    });
  });

  it('treats an edited key id as a wrong master key', async () => {
    await withVault([[connectionRef(ORG_A), VALUE_A]], async (store, dataDir) => {
      await editVault(dataDir, (doc) => {
        doc.keyId = flipBit(doc.keyId);
      });
      const err = await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_key_invalid');
      expect(err.message).toContain('REMIT_MASTER_KEY');
    });
  });
});
