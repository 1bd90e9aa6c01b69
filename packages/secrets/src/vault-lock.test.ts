import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalVaultStore } from './local-vault.ts';
import { SecretValue } from './secret-value.ts';
import { ORG_A, connectionRef, expectSecretError, withDataDir } from './testing.ts';

const lockPath = (dataDir: string) => join(dataDir, 'secrets', 'vault.lock');

/** The pid of a process that has exited, so it names no one. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function writeLock(dataDir: string, holder: { pid: number; host?: string; start?: string | null }): Promise<void> {
  const content = { host: hostname(), start: null, token: randomUUID(), ...holder };
  await writeFile(lockPath(dataDir), JSON.stringify(content), { mode: 0o600 });
}

describe('the vault write lock', () => {
  it('breaks a lock left by a process that died, and cleans up after itself', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir, lockTimeoutMs: 2_000 });
      await writeLock(dataDir, { pid: await deadPid() });
      await store.put(connectionRef(ORG_A), new SecretValue('value-1'));
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('value-1');
      const left = (await readdir(join(dataDir, 'secrets'))).filter((name) => !name.includes('.broken-'));
      expect(left.sort()).toEqual(['master.key', 'vault.json']);
    });
  });

  it.runIf(existsSync('/proc/self/stat'))('breaks a lock whose pid now names another process (pid reuse)', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir, lockTimeoutMs: 2_000 });
      await writeLock(dataDir, { pid: process.pid, start: '1' }); // our pid, but not our start time
      await store.put(connectionRef(ORG_A), new SecretValue('value-1'));
      expect(existsSync(lockPath(dataDir))).toBe(false);
    });
  });

  it.each<[string, (dataDir: string) => Promise<void>, RegExp]>([
    ['a live process', (dir) => writeLock(dir, { pid: process.pid }), new RegExp(`pid ${process.pid} on `)],
    ['another host, whose pids we cannot check', async (dir) => writeLock(dir, { pid: await deadPid(), host: 'elsewhere.invalid' }), /on elsewhere\.invalid/],
    ['an unknown writer', (dir) => writeFile(lockPath(dir), 'not a lock'), /an unknown holder/],
  ])('waits for a lock held by %s, then fails as unavailable naming the lock file', async (_who, lock, holder) => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir, lockTimeoutMs: 200 });
      await store.put(connectionRef(ORG_A), new SecretValue('before'));
      await lock(dataDir);
      const started = Date.now();
      const err = await expectSecretError(store.put(connectionRef(ORG_A), new SecretValue('after')), 'secret_store_unavailable');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(err.message).toMatch(holder);
      expect(err.message).toContain(lockPath(dataDir));
      expect(err.message).not.toContain('after');
      // Reads take no lock, and the write did not happen.
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('before');
    });
  });

  it('lets a write through once a live holder releases the lock', async () => {
    await withDataDir(async (dataDir) => {
      const store = await LocalVaultStore.open({ dataDir, lockTimeoutMs: 5_000 });
      await writeLock(dataDir, { pid: process.pid });
      const pending = store.put(connectionRef(ORG_A), new SecretValue('value-1'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await rm(lockPath(dataDir));
      await pending;
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('value-1');
    });
  });
});
