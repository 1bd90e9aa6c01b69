import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openSandboxSession, type SandboxEvent } from './sandbox-session.ts';
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

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe('sandbox lifecycle', () => {
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

  it('when the agent is killed, calls fail as sandbox_unavailable (never throw) and close() still cleans up', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const events: SandboxEvent[] = [];
      const session = await openSandboxSession(driver, { runId: randomUUID(), onEvent: (event) => events.push(event) });
      try {
        const killed = await session.call('exec', { command: ['kill', '-KILL', '2'] }); // pid 2 is the agent
        expect(killed).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
        expect(events).toContainEqual({ type: 'agent_disconnected', runId: session.runId, sandboxId: session.sandboxId });
        expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
        // With its agent gone the whole sandbox is gone: bwrap's pid 1 exits with its child.
        expect(await eventually(async () => (await driver.list()).every((s) => !s.alive))).toBe(true);
      } finally {
        await session.close();
      }
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('an abort while opening destroys the sandbox', async () => {
    await withRunDirParent((runDirParent) =>
      withLocalDriver(async ({ driver, stateFiles }) => {
        const controller = new AbortController();
        const opening = openSandboxSession(driver, { runId: randomUUID(), runDirParent, signal: controller.signal });
        setTimeout(() => controller.abort(), 5);
        await expect(opening).rejects.toMatchObject({ code: 'aborted' });
        expect(await driver.list()).toEqual([]);
        expect(await stateFiles()).toEqual([]);
        expect(await readdir(runDirParent)).toEqual([]);
      }),
    );
  });

  it('an aborted call resolves at once as failed, and the session can still be closed cleanly', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const session = await openSandboxSession(driver, { runId: randomUUID() });
      try {
        const controller = new AbortController();
        const pending = session.call('exec', { command: ['sleep', '30'] }, { signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        expect(await pending).toEqual({ ok: false, error: { code: 'failed', message: 'The call was aborted.' } });
        const timedOut = await session.call('exec', { command: ['sleep', '30'] }, { timeoutMs: 200 });
        expect(timedOut).toMatchObject({ ok: false, error: { code: 'timeout' } });
      } finally {
        await session.close();
      }
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('destroy is idempotent and ignores ids that are not ours', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const session = await openSandboxSession(driver, { runId: randomUUID() });
      await driver.destroy(session.sandboxId);
      await driver.destroy(session.sandboxId);
      for (const id of ['sbx-0000000000000000', '../../etc/passwd', '', 'sbx-../x']) await driver.destroy(id);
      expect(await driver.list()).toEqual([]);
      expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
      await session.close();
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('ends the sandbox at its wall-clock limit', async () => {
    await withLocalDriver(async ({ driver }) => {
      const events: SandboxEvent[] = [];
      const session = await openSandboxSession(driver, { runId: randomUUID(), limits: { wallSeconds: 1 }, onEvent: (event) => events.push(event) });
      try {
        expect(await eventually(async () => events.some((e) => e.type === 'wall_time_exceeded'), 5000)).toBe(true);
        expect(await eventually(async () => (await driver.list()).length === 0)).toBe(true);
        expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
      } finally {
        await session.close();
      }
    });
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
