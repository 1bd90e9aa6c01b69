import { RoleCreate, defaultRateLimits } from '@remit/core';
import { claimRuns, createRole, getRun, upsertUser } from '@remit/db';
import { withTestDb } from '@remit/db/testing';
import type { SandboxDriver } from '@remit/sandbox';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { withVault } from './connections/test-support.ts';
import { startMaintenance } from './maintenance.ts';
import { startRun } from './start-run.ts';

describe('maintenance', () => {
  it('runs every job each pass: a failing one is logged and the others still run', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const userId = await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
        await createRole(sql, RoleCreate.parse({ name: 'developer', runKinds: ['troubleshoot'] }));
        return (await upsertUser(sql, { sub: 'alice', email: null })).id;
      });
      const run = await startRun(
        { db, orgId: orgA, rateLimits: defaultRateLimits },
        { kind: 'troubleshoot', input: 'x', trigger: { type: 'user', userId, roles: ['developer'] } },
      );
      await db.tenant({ orgId: orgA, userId: null }, (sql) => claimRuns(sql, 'worker-gone', 30, 1));
      await db.owner((sql) => sql.query("update runs set lease_expires_at = now() - interval '1 minute'"));

      const logged: { job?: string; msg?: string }[] = [];
      const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as { job?: string; msg?: string }) });
      const broken: SandboxDriver = {
        name: 'broken',
        create: () => Promise.reject(new Error('no')),
        destroy: async () => undefined,
        list: () => Promise.reject(new Error('driver down')),
      } as unknown as SandboxDriver;
      await withVault(async (secrets) => {
        const maintenance = startMaintenance({ db, orgId: orgA, sandboxes: broken, secrets, logger }, { everyMs: 60_000 });
        await maintenance.runOnce();
        await maintenance.stop();
      });

      expect(await db.tenant({ orgId: orgA, userId: null }, (sql) => getRun(sql, run.id))).toMatchObject({ status: 'failed', statusReason: 'worker_lost' });
      expect(logged).toContainEqual(expect.objectContaining({ job: 'reap_sandboxes', msg: expect.stringContaining('maintenance job failed') }));
    });
  });
});
