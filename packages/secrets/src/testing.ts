import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SecretError, type SecretErrorCode } from './secret-error.ts';
import type { SecretRef } from './secret-ref.ts';
import type { VaultDocument } from './vault-file.ts';

export const ORG_A = '0b7f5a1e-3c1d-4e0a-9f3b-5d6c7e8f9a0b';
export const ORG_B = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
export const CONNECTION = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';

export function connectionRef(orgId: string, overrides: Partial<SecretRef> = {}): SecretRef {
  return { orgId, scope: 'connection', ownerId: CONNECTION, name: 'token', ...overrides };
}

/** A fresh data directory per test, always removed afterwards. */
export async function withDataDir<T>(cb: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'remit-secrets-'));
  try {
    return await cb(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const vaultPath = (dataDir: string) => join(dataDir, 'secrets', 'vault.json');
export const keyPath = (dataDir: string) => join(dataDir, 'secrets', 'master.key');

/** Edits the vault file as an attacker with write access to the data directory would. */
export async function editVault(dataDir: string, edit: (doc: VaultDocument) => void): Promise<void> {
  const doc = JSON.parse(await readFile(vaultPath(dataDir), 'utf8')) as VaultDocument;
  edit(doc);
  await writeFile(vaultPath(dataDir), JSON.stringify(doc));
}

/** Asserts that `promise` rejects with a SecretError of `code`, and returns it. */
export async function expectSecretError(promise: Promise<unknown>, code: SecretErrorCode): Promise<SecretError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretError);
  expect((err as SecretError).code).toBe(code);
  return err as SecretError;
}

/** Flips the lowest bit of byte `index` of a base64 field. */
export function flipBit(base64: string, index = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index] = bytes[index]! ^ 1;
  return bytes.toString('base64');
}
