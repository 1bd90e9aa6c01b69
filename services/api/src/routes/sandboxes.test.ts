import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { thisProcess, type Sandbox } from '@remit/core';
import { claimRuns } from '@remit/db';
import { createLocalDriver, openSandboxSession, type LocalDriver, type SandboxSession } from '@remit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

let stateDir: string;
let driver: LocalDriver;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'remit-sandboxes-api-'));
  driver = createLocalDriver({ stateDir });
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const listed = async (t: TestApp, token: string) => {
  const res = await t.request('/v1/admin/sandboxes', { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Sandbox[] }).items;
};

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
          });
          // No run row vouches for this one: status null, which is what the reaper removes.
          expect(items.find((s) => s.id === orphan.sandboxId)).toMatchObject({ kind: 'run', alive: true, run: { id: orphanRunId, status: null }, owner: null });

          const killed = await t.request(`/v1/admin/sandboxes/${orphan.sandboxId}`, { method: 'DELETE', token: admin });
          expect(killed.status).toBe(200);
          expect(await killed.json()).toEqual({ id: orphan.sandboxId, run: null });
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
          expect(await res.json()).toEqual({ id: session.sandboxId, run: { id: runId, status: 'provisioning' } });
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
});
