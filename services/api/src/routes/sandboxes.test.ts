import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { thisProcess, type AuditEntry, type Sandbox, type SandboxPage } from '@remit/core';
import { claimRuns } from '@remit/db';
import {
  createLocalDriver,
  createWarmPool,
  openSandboxSession,
  type LocalDriver,
  type SandboxDriver,
  type SandboxInfo,
  type SandboxSession,
  type WarmPoolStatus,
} from '@remit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

let stateDir: string;
let driver: LocalDriver;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'remit-sandboxes-api-'));
  driver = createLocalDriver({ stateDir });
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const listPage = async (t: TestApp, token: string, query = '') => {
  const res = await t.request(`/v1/admin/sandboxes${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as SandboxPage;
};
const listed = async (t: TestApp, token: string) => (await listPage(t, token)).items;

/** A developer role and one queued run of alice's. */
async function queuedRun(t: TestApp): Promise<string> {
  const admin = await t.adminToken();
  await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  const token = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
  const res = await t.request('/v1/runs', { method: 'POST', token, json: { kind: 'troubleshoot', input: 'why?' } });
  return ((await res.json()) as { id: string }).id;
}

describe('admins list and kill sandboxes', () => {
  it('a non-admin is refused both, and learns nothing about what runs', async () => {
    await withTestApp(
      async (t) => {
        const dev = await t.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        expect(await errorOf(await t.request('/v1/admin/sandboxes', { token: dev }))).toMatchObject({ status: 403, code: 'forbidden' });
        expect(await errorOf(await t.request('/v1/admin/sandboxes/sbx-1', { method: 'DELETE', token: dev }))).toMatchObject({ status: 403, code: 'forbidden' });
        expect((await t.request('/v1/admin/sandboxes')).status).toBe(401);
      },
      { sandboxes: driver },
    );
  });

  it('lists a throwaway sandbox with its owner and a run sandbox with its run; kill destroys it and is audited', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const sessions: SandboxSession[] = [];
        try {
          const throwaway = await openSandboxSession(driver, { runId: randomUUID(), owner: thisProcess() });
          sessions.push(throwaway);
          const orphanRunId = randomUUID();
          const orphan = await openSandboxSession(driver, { runId: orphanRunId });
          sessions.push(orphan);

          const items = await listed(t, admin);
          expect(items.find((s) => s.id === throwaway.sandboxId)).toMatchObject({
            kind: 'throwaway',
            alive: true,
            run: null,
            owner: { pid: process.pid, running: true },
            pool: null,
          });
          // No run row vouches for this one: status null, which is what the reaper removes.
          expect(items.find((s) => s.id === orphan.sandboxId)).toMatchObject({ kind: 'run', alive: true, run: { id: orphanRunId, status: null }, owner: null });

          const killed = await t.request(`/v1/admin/sandboxes/${orphan.sandboxId}`, { method: 'DELETE', token: admin });
          expect(killed.status).toBe(200);
          expect(await killed.json()).toEqual({ id: orphan.sandboxId, run: null, pool: null });
          expect((await listed(t, admin)).map((s) => s.id)).not.toContain(orphan.sandboxId);
          expect((await orphan.call('exec', { command: ['true'] })).ok).toBe(false);

          const audit = (await (await t.request('/v1/audit?limit=1000', { token: admin })).json()) as { items: { action: string; targetId: string }[] };
          expect(audit.items).toContainEqual(expect.objectContaining({ action: 'sandbox.kill', targetId: orphan.sandboxId }));

          // A second kill finds nothing: 404 with the way to see what is live.
          const again = await errorOf(await t.request(`/v1/admin/sandboxes/${orphan.sandboxId}`, { method: 'DELETE', token: admin }));
          expect(again).toMatchObject({ status: 404, code: 'not_found' });
          expect(again.message).toContain('remit sandbox list');
        } finally {
          await Promise.all(sessions.map((s) => s.close()));
        }
      },
      { sandboxes: driver },
    );
  });

  it('killing the sandbox of a run still going cancels the run first, so it ends as cancelled', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const runId = await queuedRun(t);
        await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => claimRuns(sql, 'worker-test', 60, 10));
        const session = await openSandboxSession(driver, { runId });
        try {
          const res = await t.request(`/v1/admin/sandboxes/${session.sandboxId}`, { method: 'DELETE', token: admin });
          expect(res.status).toBe(200);
          // Provisioning: the worker holding it is woken to end it as cancelled.
          expect(await res.json()).toEqual({ id: session.sandboxId, run: { id: runId, status: 'provisioning' }, pool: null });
          const run = (await (await t.request(`/v1/runs/${runId}`, { token: admin })).json()) as { cancelRequested?: boolean; status: string };
          expect(run.status).toBe('provisioning');
          const cancelled = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
            sql.query<{ cancel_requested: boolean }>('select cancel_requested from runs where id = $1', [runId]),
          );
          expect(cancelled.rows[0]?.cancel_requested).toBe(true);
        } finally {
          await session.close();
        }
      },
      { sandboxes: driver },
    );
  });

  it('ids that are not sandbox ids are 400, never a path elsewhere', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        for (const bad of ['..%2F..%2Fetc', 'a%00b', 'x'.repeat(129), '%E2%80%AE']) {
          const res = await t.request(`/v1/admin/sandboxes/${bad}`, { method: 'DELETE', token: admin });
          expect((await errorOf(res)).status, bad).toBe(400);
        }
      },
      { sandboxes: driver },
    );
  });

  it('without a warm pool the page says so (pool null), and marks no sandbox as a pool one', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const session = await openSandboxSession(driver, { runId: randomUUID(), owner: thisProcess() });
        try {
          const page = await listPage(t, admin);
          expect(page.pool).toBeNull();
          expect(page.items.find((s) => s.id === session.sandboxId)?.pool).toBeNull();
        } finally {
          await session.close();
        }
      },
      { sandboxes: driver },
    );
  });

  it('reports the warm pool, and marks its sandboxes warm or starting, and other processes’ pool sandboxes as elsewhere', async () => {
    const at = new Date('2030-01-02T03:04:05Z');
    const owned = { ownerPid: process.pid, ownerRunning: true };
    const live: SandboxInfo[] = [
      { id: 'sbx-a-warm', runId: '', startedAt: at, alive: true, throwaway: owned, pool: true },
      { id: 'sbx-b-starting', runId: '', startedAt: at, alive: true, throwaway: owned, pool: true },
      { id: 'sbx-c-other', runId: '', startedAt: at, alive: true, throwaway: { ownerPid: 4242, ownerRunning: true }, pool: true },
      { id: 'sbx-d-exec', runId: randomUUID(), startedAt: at, alive: true, throwaway: owned },
    ];
    const status: WarmPoolStatus = {
      size: 3,
      limits: { memoryMb: 512, maxProcesses: 64, cpuSeconds: 120, wallSeconds: 900 },
      ready: ['sbx-a-warm'],
      starting: { count: 2, ids: ['sbx-b-starting'] },
    };
    const pooled: SandboxDriver & { status(): WarmPoolStatus } = {
      name: 'local',
      create: () => Promise.reject(new Error('starts nothing')),
      list: () => Promise.resolve(live.map((s) => ({ ...s }))),
      destroy: () => Promise.resolve(),
      status: () => status,
    };
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const first = await listPage(t, admin, '?limit=2');
        // The wall clock is each run's own, so it is not among the limits the pool serves.
        const summary = { size: 3, ready: 1, starting: 2, limits: { memoryMb: 512, maxProcesses: 64, cpuSeconds: 120 } };
        expect(first.pool).toEqual(summary);
        expect(first.items.map((s) => [s.id, s.kind, s.pool])).toEqual([
          ['sbx-a-warm', 'throwaway', { state: 'warm' }],
          ['sbx-b-starting', 'throwaway', { state: 'starting' }],
        ]);
        const second = await listPage(t, admin, `?limit=2&cursor=${first.nextCursor}`);
        expect(second.pool).toEqual(summary);
        expect(second.items.map((s) => [s.id, s.pool])).toEqual([
          ['sbx-c-other', { state: 'elsewhere' }],
          ['sbx-d-exec', null],
        ]);
        expect(second.items[0]).toMatchObject({ run: null, owner: { pid: 4242, running: true } });
      },
      { sandboxes: pooled },
    );
  });

  it('killing a warm sandbox takes it out of the pool, which starts another; audited as a pool kill', async () => {
    const pool = createWarmPool(createLocalDriver({ stateDir: join(stateDir, 'pool') }), { size: 1 });
    try {
      await withTestApp(
        async (t) => {
          const admin = await t.adminToken();
          await pool.filled();
          const page = await listPage(t, admin);
          expect(page.pool).toEqual({ size: 1, ready: 1, starting: 0, limits: { memoryMb: 512, maxProcesses: 64, cpuSeconds: 120 } });
          expect(page.items).toHaveLength(1);
          const [member] = page.items as [Sandbox];
          expect(member).toMatchObject({ kind: 'throwaway', alive: true, run: null, owner: { pid: process.pid, running: true }, pool: { state: 'warm' } });

          const killed = await t.request(`/v1/admin/sandboxes/${member.id}`, { method: 'DELETE', token: admin });
          expect(killed.status).toBe(200);
          expect(await killed.json()).toEqual({ id: member.id, run: null, pool: { state: 'warm' } });
          expect(pool.status().ready).not.toContain(member.id);
          const after = await listPage(t, admin);
          expect(after.items.map((s) => s.id)).not.toContain(member.id);
          expect(after.pool!.ready + after.pool!.starting).toBe(1);

          await pool.filled();
          const refilled = await listPage(t, admin);
          expect(refilled.pool).toMatchObject({ ready: 1, starting: 0 });
          expect(refilled.items).toEqual([expect.objectContaining({ pool: { state: 'warm' } })]);
          expect(refilled.items[0]!.id).not.toBe(member.id);

          const audit = (await (await t.request('/v1/audit?limit=1000', { token: admin })).json()) as { items: AuditEntry[] };
          expect(audit.items.find((e) => e.action === 'sandbox.kill')).toMatchObject({
            targetId: member.id,
            outcome: 'success',
            detail: { kind: 'throwaway', runId: null, pool: 'warm' },
          });
        },
        { sandboxes: pool },
      );
    } finally {
      await pool.close();
    }
  });
});
