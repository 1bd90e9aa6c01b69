import { RoleCreate } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { createNotifications } from './notifications.ts';
import { appendRunEvent } from './run-events.ts';
import { createRole } from './roles.ts';
import { claimRuns, createRun, requestCancel } from './runs.ts';
import type { Database, TenantContext } from './sql.ts';
import { testDrivers, withTestDb } from './testing.ts';

async function seedRun(db: Database, ctx: TenantContext): Promise<string> {
  return db.tenant(ctx, async (sql) => {
    const role = await createRole(sql, RoleCreate.parse({ name: 'developer', runKinds: ['troubleshoot'] }));
    const run = await createRun(sql, {
      kind: 'troubleshoot',
      roleId: role.id,
      userId: null,
      trigger: { type: 'schedule' },
      input: 'x',
      maxDurationSeconds: 60,
      maxSteps: 5,
    });
    return run.id;
  });
}

const until = async (check: () => boolean) => expect.poll(check, { timeout: 5000, interval: 10 }).toBe(true);

describe.each(testDrivers)('notifications on %s', (driver) => {
  it('announce committed events, cancels and new runs, and nothing a rollback undid', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        const queued: number[] = [];
        db.notifications.onQueued(() => queued.push(1));
        await db.notifications.ready();
        const runId = await seedRun(db, ctx);
        await until(() => queued.length === 1);

        const seen: string[] = [];
        const other: string[] = [];
        const stop = db.notifications.onRun(runId, (change) => seen.push(change));
        db.notifications.onRun('00000000-0000-4000-8000-000000000000', (change) => other.push(change));
        await db.tenant(ctx, (sql) => appendRunEvent(sql, runId, 'status', { status: 'queued' }));
        await until(() => seen.length === 1);
        await expect(
          db.tenant(ctx, async (sql) => {
            await appendRunEvent(sql, runId, 'status', { status: 'queued' });
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        await db.tenant(ctx, (sql) => claimRuns(sql, 'w', 30, 1));
        await db.tenant(ctx, (sql) => requestCancel(sql, runId));
        await until(() => seen.length === 2);
        expect(seen).toEqual(['event', 'cancel']);
        expect(other).toEqual([]);
        stop();
        await db.tenant(ctx, (sql) => appendRunEvent(sql, runId, 'status', { status: 'queued' }));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(seen).toHaveLength(2);
      },
      { driver },
    );
  });
});

describe.runIf(testDrivers.includes('postgres'))('notifications on postgres, when the listening connection drops', () => {
  it('reconnect, listen again and tell every subscriber to look again', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ctx = { orgId: orgA, userId: null };
        const runId = await seedRun(db, ctx);
        const seen: string[] = [];
        db.notifications.onRun(runId, (change) => seen.push(change));
        await db.notifications.ready();
        await db.owner((sql) =>
          sql.query(
            `select pg_terminate_backend(pid) from pg_stat_activity where query like 'listen "remit_runs_${db.schema}"%' or query like 'listen "remit_queue_${db.schema}"%'`,
          ),
        );
        await until(() => seen.includes('resync'));
        await db.tenant(ctx, (sql) => appendRunEvent(sql, runId, 'status', { status: 'queued' }));
        await until(() => seen.includes('event'));
      },
      { driver: 'postgres' },
    );
  });
});

describe('notifications whose LISTEN failed', () => {
  it('try again for the next subscriber instead of keeping the failure (a stream would otherwise never be woken)', async () => {
    let attempts = 0;
    const heard: string[] = [];
    const channels = new Map<string, (payload: string) => void>();
    const notifications = createNotifications(async (channel, onNotify) => {
      attempts++;
      if (attempts <= 2) throw new Error('connection refused'); // both channels of the first start
      channels.set(channel, onNotify);
      return async () => undefined;
    }, 'remit');
    notifications.onRun('r1', (change) => heard.push(change));
    await expect(notifications.ready()).rejects.toThrow('connection refused');
    notifications.onRun('r1', (change) => heard.push(`second:${change}`));
    await expect(notifications.ready()).resolves.toBeUndefined();
    channels.get('remit_runs_remit')!('r1:cancel');
    expect(heard).toEqual(['cancel', 'second:cancel']);
    await notifications.close();
  });
});
