import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SandboxDriver } from './sandbox-driver.ts';
import { openSandboxSession, type SandboxEvent } from './sandbox-session.ts';
import { exec } from './testing.ts';

/** Test-only: the run lifecycle every driver must keep, shared by sandbox-lifecycle.test.ts (local) and ecs-driver-lifecycle.test.ts. */
export interface LifecycleFixture {
  /** Runs `fn` with a fresh driver; always destroys whatever is left. `leftovers` lists what a destroyed sandbox must not leave behind. */
  withDriver<T>(fn: (driver: SandboxDriver, leftovers: () => Promise<string[]>) => Promise<T>): Promise<T>;
  /** Ids `destroy` must ignore. */
  foreignIds: string[];
}

export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

export function describeSandboxLifecycle(name: string, fixture: LifecycleFixture): void {
  describe(`sandbox lifecycle (${name})`, () => {
    it('close() destroys the sandbox and leaves nothing behind', async () => {
      await fixture.withDriver(async (driver, leftovers) => {
        const session = await openSandboxSession(driver, { runId: randomUUID() });
        expect(session.readyMs).toBeGreaterThan(0);
        expect(await driver.list()).toEqual([expect.objectContaining({ id: session.sandboxId, runId: session.runId, alive: true })]);
        expect((await exec(session, ['echo', 'ok'])).stdout).toBe('ok\n');
        await session.close();
        await session.close(); // idempotent
        expect(await driver.list()).toEqual([]);
        expect(await leftovers()).toEqual([]);
        expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
      });
    });

    it('when the agent is killed, calls fail as sandbox_unavailable (never throw) and close() still cleans up', async () => {
      await fixture.withDriver(async (driver, leftovers) => {
        const events: SandboxEvent[] = [];
        const session = await openSandboxSession(driver, { runId: randomUUID(), onEvent: (event) => events.push(event) });
        try {
          const killed = await session.call('exec', { command: ['sh', '-c', 'kill -KILL $PPID'] }); // the agent started this shell
          expect(killed).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
          expect(events).toContainEqual({ type: 'agent_disconnected', runId: session.runId, sandboxId: session.sandboxId });
          expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
          // With its agent gone the whole sandbox is gone.
          expect(await eventually(async () => (await driver.list()).every((s) => !s.alive))).toBe(true);
        } finally {
          await session.close();
        }
        expect(await driver.list()).toEqual([]);
        expect(await leftovers()).toEqual([]);
      });
    });

    it('an abort while opening destroys the sandbox', async () => {
      await fixture.withDriver(async (driver, leftovers) => {
        const controller = new AbortController();
        const opening = openSandboxSession(driver, { runId: randomUUID(), signal: controller.signal });
        setTimeout(() => controller.abort(), 5);
        await expect(opening).rejects.toMatchObject({ code: 'aborted' });
        expect(await driver.list()).toEqual([]);
        expect(await leftovers()).toEqual([]);
      });
    });

    it('an aborted call resolves at once as failed, and the session can still be closed cleanly', async () => {
      await fixture.withDriver(async (driver) => {
        const session = await openSandboxSession(driver, { runId: randomUUID() });
        try {
          const controller = new AbortController();
          const pending = session.call('exec', { command: ['sleep', '30'] }, { signal: controller.signal });
          setTimeout(() => controller.abort(), 100);
          expect(await pending).toEqual({ ok: false, error: { code: 'failed', message: 'The call was aborted.' } });
          expect(await session.call('exec', { command: ['sleep', '30'] }, { timeoutMs: 200 })).toMatchObject({ ok: false, error: { code: 'timeout' } });
        } finally {
          await session.close();
        }
        expect(await driver.list()).toEqual([]);
      });
    });

    it('destroy is idempotent and ignores ids that are not ours', async () => {
      await fixture.withDriver(async (driver, leftovers) => {
        const session = await openSandboxSession(driver, { runId: randomUUID() });
        await driver.destroy(session.sandboxId);
        await driver.destroy(session.sandboxId);
        for (const id of fixture.foreignIds) await driver.destroy(id);
        expect(await driver.list()).toEqual([]);
        expect(await eventually(async () => !(await session.call('exec', { command: ['true'] })).ok)).toBe(true);
        await session.close();
        expect(await leftovers()).toEqual([]);
      });
    });

    it('ends the sandbox at its wall-clock limit', async () => {
      await fixture.withDriver(async (driver) => {
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
  });
}
