import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeSandboxLifecycle, eventually } from './sandbox-lifecycle-suite.ts';
import { openSandboxSession } from './sandbox-session.ts';
import { TEST_IMAGE_DIR, exec, withLocalDriver } from './testing.ts';

/** A parent for run dirs; searchable (0711) like /tmp, since the sandbox's own host uid must reach its sockets. */
async function withRunDirParent<T>(fn: (parent: string) => Promise<T>): Promise<T> {
  const parent = await mkdtemp(join(tmpdir(), 'remit-runs-'));
  await chmod(parent, 0o711);
  try {
    return await fn(parent);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

describeSandboxLifecycle('local', {
  withDriver: (fn) => withLocalDriver(({ driver, stateFiles }) => fn(driver, stateFiles)),
  foreignIds: ['sbx-0000000000000000', '../../etc/passwd', '', 'sbx-../x'],
});

describe('local sandbox lifecycle', () => {
  it('close() destroys the sandbox and leaves no state, run dir or live process', async () => {
    await withRunDirParent((runDirParent) =>
      withLocalDriver(async ({ driver, stateFiles }) => {
        const session = await openSandboxSession(driver, { runId: randomUUID(), runDirParent });
        expect(session.readyMs).toBeGreaterThan(0);
        expect(await driver.list()).toEqual([expect.objectContaining({ id: session.sandboxId, runId: session.runId, alive: true })]);
        expect((await exec(session, ['echo', 'ok'])).stdout).toBe('ok\n');
        await session.close();
        await session.close(); // idempotent
        expect(await driver.list()).toEqual([]);
        expect(await stateFiles()).toEqual([]);
        expect(await readdir(runDirParent)).toEqual([]);
        expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
      }),
    );
  });

  it("dies with the process that started it, and another process's driver can see that and reap it", async () => {
    await withLocalDriver(async ({ driver, stateDir, stateFiles }) => {
      const dir = await mkdtemp(join(tmpdir(), 'remit-worker-'));
      await chmod(dir, 0o711);
      try {
        const script = join(dir, 'worker.mts');
        const session = fileURLToPath(new URL('./sandbox-session.ts', import.meta.url));
        const local = fileURLToPath(new URL('./local-driver.ts', import.meta.url));
        await writeFile(
          script,
          `import { createLocalDriver } from ${JSON.stringify(local)};
           import { openSandboxSession } from ${JSON.stringify(session)};
           const driver = createLocalDriver({ stateDir: ${JSON.stringify(stateDir)}, imageDir: ${JSON.stringify(TEST_IMAGE_DIR)} });
           const s = await openSandboxSession(driver, { runId: ${JSON.stringify(randomUUID())}, runDirParent: ${JSON.stringify(dir)} });
           console.log(s.sandboxId);
           setInterval(() => {}, 1000);`,
        );
        const worker = spawn(process.execPath, ['--import', 'tsx', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
          cwd: fileURLToPath(new URL('.', import.meta.url)),
        });
        const sandboxId = await new Promise<string>((resolve, reject) => {
          worker.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
          worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
        });
        expect(await driver.list()).toEqual([expect.objectContaining({ id: sandboxId, alive: true })]);
        worker.kill('SIGKILL');
        expect(await eventually(async () => (await driver.list()).every((s) => !s.alive))).toBe(true);
        expect(await stateFiles()).toEqual([`${sandboxId}.json`]); // what a reaper finds
        expect((await readdir(dir)).filter((name) => name.startsWith('remit-run-'))).toHaveLength(1); // the dead worker's run dir
        await driver.destroy(sandboxId);
        expect(await driver.list()).toEqual([]);
        expect(await stateFiles()).toEqual([]);
        expect((await readdir(dir)).filter((name) => name.startsWith('remit-run-'))).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
