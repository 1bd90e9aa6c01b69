import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSandboxSession } from './sandbox-session.ts';
import { exec, withLocalDriver } from './testing.ts';
import { resolveSandboxLimits, type PoolableDriver, type SandboxSpec } from './sandbox-driver.ts';
import { createWarmPool, type WarmPoolEvent } from './warm-pool.ts';

/** A fake driver whose members die only once their slow destroy is done, as a real kill takes a moment. */
function slowToDie(): PoolableDriver {
  let n = 0;
  const kills = new Map<string, () => void>();
  const handle = (id: string, spec: SandboxSpec) => ({ id, runId: spec.runId, driver: 'local', startedAt: new Date() }) as const;
  return {
    name: 'local',
    create: (spec) => Promise.resolve(handle(`cold-${++n}`, spec)),
    destroy: async (id) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      kills.get(id)?.();
    },
    list: () => Promise.resolve([]),
    prestart: (limits) => {
      const id = `warm-${++n}`;
      const gone = new Promise<void>((resolve) => kills.set(id, resolve));
      return Promise.resolve({ id, limits, ready: Promise.resolve(), gone, claim: (spec) => Promise.resolve(handle(id, spec)) });
    },
  };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a local warm pool', () => {
  it('hands a pre-started sandbox to a run, never returns it, refills, and shows members as pool members of this process', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const events: WarmPoolEvent[] = [];
      const pool = createWarmPool(driver, { size: 1, onEvent: (e) => events.push(e) });
      try {
        await pool.filled();
        const [member] = await pool.list();
        expect(member).toMatchObject({ runId: '', alive: true, pool: true, throwaway: { ownerPid: process.pid, ownerRunning: true } });
        const runId = randomUUID();
        const session = await openSandboxSession(pool, { runId });
        expect(session.sandboxId).toBe(member!.id);
        expect(events).toEqual([{ type: 'pool_claimed', sandboxId: member!.id, runId }]);
        expect((await exec(session, ['echo', 'warm'])).stdout).toBe('warm\n');
        const listed = await pool.list();
        expect(listed.find((s) => s.id === member!.id)).toEqual(expect.objectContaining({ runId, alive: true }));
        expect(listed.find((s) => s.id === member!.id)).not.toHaveProperty('pool');
        await pool.filled(); // refilled with a new one
        expect((await pool.list()).filter((s) => s.pool)).toHaveLength(1);
        expect((await pool.list()).find((s) => s.pool)?.id).not.toBe(member!.id);
        await session.close();
        expect((await pool.list()).map((s) => s.id)).not.toContain(member!.id);
      } finally {
        await pool.close();
      }
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('reports what it holds; a killed waiting member leaves the pool at once and another is started, a killed starting one too, without a backoff', async () => {
    await withLocalDriver(async ({ driver }) => {
      const events: WarmPoolEvent[] = [];
      const pool = createWarmPool(driver, { size: 1, limits: { memoryMb: 256 }, retryDelayMs: 60_000, onEvent: (e) => events.push(e) });
      try {
        expect(pool.status()).toMatchObject({ size: 1, limits: { memoryMb: 256, maxProcesses: 64, cpuSeconds: 120 }, ready: [], starting: { count: 1 } });
        await pool.filled();
        const [member] = pool.status().ready;
        expect(pool.status()).toMatchObject({ ready: [member], starting: { count: 0, ids: [] } });
        expect((await pool.list()).map((s) => s.id)).toEqual([member]);

        await pool.destroy(member!);
        expect(pool.status().ready).toEqual([]);
        expect(pool.status().starting.count).toBe(1); // refilling already
        expect((await pool.list()).map((s) => s.id)).not.toContain(member);
        // A run now never gets the killed one: it starts cold, or claims the new one.
        await pool.filled();
        const [second] = pool.status().ready;
        expect(second).toBeDefined();
        expect(second).not.toBe(member);

        // Killed while starting: the pool starts yet another at once, not after the 60 s backoff.
        await pool.destroy(second!);
        await until(() => pool.status().starting.ids.length === 1);
        const starting = pool.status().starting.ids[0]!;
        await pool.destroy(starting);
        await pool.filled();
        expect(pool.status().ready).toHaveLength(1);
        expect(pool.status().ready[0]).not.toBe(starting);
        expect(events.filter((e) => e.type === 'pool_start_failed')).toEqual([]);
      } finally {
        await pool.close();
      }
      expect(await driver.list()).toEqual([]);
    });
  });

  it('never hands a run the member being killed (regression: it stayed claimable until its process was gone)', async () => {
    const pool = createWarmPool(slowToDie(), { size: 1 });
    try {
      await pool.filled();
      const [member] = pool.status().ready;
      const killing = pool.destroy(member!);
      const spec = { runId: randomUUID(), bootstrapToken: 't', channelSocketPath: '/c', egressSocketPath: '/e', limits: resolveSandboxLimits() };
      expect((await pool.create(spec)).id).not.toBe(member);
      await killing;
    } finally {
      await pool.close();
    }
  });

  it('filled() waits for every member, one start after another (regression: it resolved after the first)', async () => {
    await withLocalDriver(async ({ driver }) => {
      const pool = createWarmPool(driver, { size: 2 });
      try {
        await pool.filled();
        expect(pool.status().ready).toHaveLength(2);
      } finally {
        await pool.close();
      }
    });
  });

  it('starts cold when a run asks for limits the pool does not hold', async () => {
    await withLocalDriver(async ({ driver }) => {
      const events: WarmPoolEvent[] = [];
      const pool = createWarmPool(driver, { size: 1, onEvent: (e) => events.push(e) });
      try {
        await pool.filled();
        const session = await openSandboxSession(pool, { runId: randomUUID(), limits: { memoryMb: 256 } });
        try {
          expect(events).toEqual([expect.objectContaining({ type: 'pool_cold_start', reason: 'limits' })]);
          expect((await exec(session, ['true'])).exitCode).toBe(0);
        } finally {
          await session.close();
        }
      } finally {
        await pool.close();
      }
    });
  });
});
