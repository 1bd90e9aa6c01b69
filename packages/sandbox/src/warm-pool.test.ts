import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSandboxSession } from './sandbox-session.ts';
import { exec, withLocalDriver } from './testing.ts';
import { createWarmPool, type WarmPoolEvent } from './warm-pool.ts';

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
