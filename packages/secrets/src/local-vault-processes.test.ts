import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalVaultStore } from './local-vault.ts';
import { ORG_A, withDataDir } from './testing.ts';

const WRITER = fileURLToPath(new URL('./fixtures/vault-writer.ts', import.meta.url));
const PER_PROCESS = 30;

/** Runs the writer fixture in its own Node process; resolves with its exit code and output. */
function startWriter(dataDir: string, label: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, ORG_A, label, String(PER_PROCESS)], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('LocalVaultStore across processes', () => {
  it('loses no write when two processes write different refs at once (and agree on a fresh master key)', async () => {
    await withDataDir(async (dataDir) => {
      const writers = [startWriter(dataDir, 'p1'), startWriter(dataDir, 'p2')];
      // Both children are loaded and polling before they are released together.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await writeFile(join(dataDir, 'go'), '');
      for (const result of await Promise.all(writers)) expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'done\n' });
      const store = await LocalVaultStore.open({ dataDir });
      expect(await store.list({ orgId: ORG_A })).toHaveLength(2 * PER_PROCESS);
      for (const label of ['p1', 'p2']) {
        for (let i = 0; i < PER_PROCESS; i++) {
          const value = await store.get({ orgId: ORG_A, scope: 'connection', ownerId: `${label}-${i}`, name: 'token' });
          expect(value.reveal()).toBe(`value-${label}-${i}`);
        }
      }
    });
  });
});
