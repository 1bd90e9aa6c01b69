import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { reapSandboxes } from '@remit/agents';
import { testAppUrl, testDatabaseUrl, testDrivers } from '@remit/db/testing';
import { openSandboxSession } from '@remit/sandbox';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack } from './support/run-stack.ts';

describe.each(testDrivers)('workers on %s', (driver) => {
  it('any number of workers share the queue; each run is claimed exactly once', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        s.startWorker();
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => s.startRun(dev, { kind: 'troubleshoot', input: `q${i}` })));
        for (const id of ids) expect(await s.waitForStatus(id, ['succeeded', 'failed'], 60_000)).toMatchObject({ status: 'succeeded' });
        const rows = await s.db.owner((sql) => sql.query<{ attempts: number; lease_owner: string | null }>('select attempts, lease_owner from runs'));
        expect(rows.rows).toHaveLength(6);
        for (const r of rows.rows) expect(r).toEqual({ attempts: 1, lease_owner: null });
        expect(s.bundles).toHaveLength(6);
      },
      { driver, script: [{ toolCalls: [{ name: 'exec', input: { command: ['true'] } }] }, { text: 'ok' }] },
    );
  });

  it('the reaper destroys sandboxes whose run is finished or unknown, and leaves live runs alone', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        await s.worker.stop(); // the run must stay queued: a worker would claim it at once
        const queued = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        const live = await openSandboxSession(s.driver, { runId: queued });
        const orphan = await openSandboxSession(s.driver, { runId: '00000000-0000-4000-8000-00000000dead' });
        try {
          const reaped = await reapSandboxes({ db: s.db, orgId: s.orgId, sandboxes: s.driver });
          expect(reaped).toEqual([orphan.sandboxId]);
          expect((await s.driver.list()).map((x) => x.runId)).toEqual([queued]);
          expect((await orphan.call('exec', { command: ['true'] })).ok).toBe(false);
          expect((await live.call('exec', { command: ['true'] })).ok).toBe(true);
        } finally {
          await orphan.close();
          await live.close();
        }
      },
      { driver, script: [], settings: { maintenance: false } },
    );
  });
});

describe.runIf(testDatabaseUrl)('a worker killed with SIGKILL', () => {
  it('loses its run to another worker within one lease, as failed/worker_lost, and leaves no sandbox behind', async () => {
    await withRunStack(
      async (s) => {
        await s.worker.stop();
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'hang' });
        const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/worker-process.ts', import.meta.url))], {
          env: {
            ...process.env,
            WORKER_OWNER_URL: testDatabaseUrl!,
            WORKER_APP_URL: testAppUrl!,
            WORKER_SCHEMA: s.db.schema,
            WORKER_ORG_ID: s.orgId,
            WORKER_STATE_DIR: s.stateDir,
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        try {
          await s.waitForStatus(runId, ['running'], 30_000);
          await expect.poll(async () => (await s.driver.list()).filter((x) => x.runId === runId && x.alive).length, { timeout: 10_000 }).toBe(1);
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
          s.startWorker({ leaseSeconds: 2, pollMs: 200 });
          expect(await s.waitForStatus(runId, ['failed', 'succeeded'], 15_000)).toMatchObject({ status: 'failed', statusReason: 'worker_lost' });
          await expect.poll(async () => (await s.driver.list()).length, { timeout: 10_000 }).toBe(0);
        } finally {
          child.kill('SIGKILL');
        }
      },
      { driver: 'postgres', script: [], settings: { pollMs: 60_000 } },
    );
  });
});
