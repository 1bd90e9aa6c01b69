import { claimDueReindexes, saveGraphSnapshot, type DueReindex } from '@remit/db';
import { paymentsSnapshot, testDrivers, withTestDb } from '@remit/db/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultRateLimits } from '@remit/core';
import { graphReindexJob, queueIndexRun, type QueueReindex } from './reindex-job.ts';

const HOUR = 3_600_000;
const log = pino({ level: 'silent' });

describe.each(testDrivers)('scheduled graph re-index on %s', (driver) => {
  it('queues each connected repository once per interval, never a local one; a refusal waits for the next interval; replicas never queue twice', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const ids = await db.owner(async (sql) => {
          const one = async (text: string, params: unknown[]) => (await sql.query<{ id: string }>(text, params)).rows[0]!.id;
          const connection = await one(
            `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'repo', 'github', 'service_account', '{}') returning id`,
            [orgA],
          );
          for (const name of ['indexer', 'another'])
            await sql.query(
              `with r as (insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, $2, '{troubleshoot}', 60, 5) returning id)
               insert into role_connections (org_id, role_id, connection_id) select $1, r.id, $3 from r`,
              [orgA, name, connection],
            );
          return { connection };
        });
        await saveGraphSnapshot(db, orgA, { connectionId: ids.connection, snapshot: paymentsSnapshot() });
        await saveGraphSnapshot(db, orgA, { connectionId: null, snapshot: { ...paymentsSnapshot(), repository: 'local/payments' } });

        const queued: DueReindex[] = [];
        let refuse = false;
        const queue: QueueReindex = async (_sql, due) => {
          queued.push(due);
          return refuse ? { queued: false, reason: 'kind_not_allowed' } : { queued: true };
        };
        let now = new Date();
        const job = graphReindexJob(queue, { intervalSeconds: 24 * 3600 });
        const pass = () => job.run({ db, orgId: orgA, logger: log, now: () => now });

        await pass();
        expect(queued).toEqual([]);
        now = new Date(now.getTime() + 25 * HOUR);
        await Promise.all([pass(), pass(), pass()]);
        expect(queued).toEqual([
          expect.objectContaining({ repository: 'acme/payments', connectionId: ids.connection, commit: 'commit-v1', roles: ['another', 'indexer'] }),
        ]);
        await pass();
        expect(queued).toHaveLength(1);

        // A refused queueing keeps its claim: not tried again until another interval has passed.
        refuse = true;
        now = new Date(now.getTime() + 25 * HOUR);
        await pass();
        await pass();
        expect(queued).toHaveLength(2);
        refuse = false;
        now = new Date(now.getTime() + 23 * HOUR);
        await pass();
        expect(queued).toHaveLength(2);
        now = new Date(now.getTime() + 2 * HOUR);
        await pass();
        expect(queued.map((q) => q.repository)).toEqual(['acme/payments', 'acme/payments', 'acme/payments']);

        // A fresh index restarts the interval.
        await saveGraphSnapshot(db, orgA, { connectionId: ids.connection, snapshot: paymentsSnapshot({ ledgerVersion: 'v2' }) });
        const before = queued.length;
        now = new Date(Date.now() + 23 * HOUR);
        await pass();
        expect(queued).toHaveLength(before);
        now = new Date(Date.now() + 25 * HOUR);
        await pass();
        expect(queued).toHaveLength(before + 1);
      },
      { driver },
    );
  });

  it('queues exactly one index run for a due repository, as the first of its roles allowing the kind, under a schedule trigger', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const connection = await db.owner(async (sql) => {
          const id = (
            await sql.query<{ id: string }>(
              `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'payments-repo', 'github', 'service_account', '{}') returning id`,
              [orgA],
            )
          ).rows[0]!.id;
          for (const [name, kinds] of [
            ['a-troubleshooter', '{troubleshoot}'],
            ['b-indexer', '{troubleshoot,index}'],
            ['c-indexer', '{index}'],
          ])
            await sql.query(
              `with r as (insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, $2, $3, 60, 5) returning id)
               insert into role_connections (org_id, role_id, connection_id) select $1, r.id, $4 from r`,
              [orgA, name, kinds, id],
            );
          return id;
        });
        const saved = await saveGraphSnapshot(db, orgA, { connectionId: connection, snapshot: paymentsSnapshot() });
        const now = new Date(Date.now() + 25 * HOUR);
        const job = graphReindexJob(queueIndexRun({ rateLimits: defaultRateLimits, now: () => now }), { intervalSeconds: 24 * 3600 });
        await Promise.all([1, 2, 3].map(() => job.run({ db, orgId: orgA, logger: log, now: () => now })));

        const runs = await db.owner(
          async (sql) =>
            (
              await sql.query<{ kind: string; input: string; trigger: Record<string, unknown>; role: string; status: string }>(
                'select r.kind, r.input, r.trigger, ro.name as role, r.status from runs r join roles ro on ro.id = r.role_id where r.org_id = $1',
                [orgA],
              )
            ).rows,
        );
        expect(runs).toEqual([
          {
            kind: 'index',
            input: JSON.stringify({ repository: 'acme/payments', connection: 'payments-repo' }),
            trigger: expect.objectContaining({ type: 'schedule', scheduleId: `graph-reindex:${saved.repositoryId}` }),
            role: 'b-indexer',
            status: 'queued',
          },
        ]);
      },
      { driver },
    );
  });

  it('answers why nothing was queued when no role reaching the connection allows index runs, and writes no run', async () => {
    await withTestDb(
      async ({ db, orgA }) => {
        const connection = await db.owner(async (sql) => {
          const id = (
            await sql.query<{ id: string }>(
              `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'repo', 'github', 'service_account', '{}') returning id`,
              [orgA],
            )
          ).rows[0]!.id;
          await sql.query(
            `with r as (insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'dev', '{troubleshoot}', 60, 5) returning id)
             insert into role_connections (org_id, role_id, connection_id) select $1, r.id, $2 from r`,
            [orgA, id],
          );
          return id;
        });
        await saveGraphSnapshot(db, orgA, { connectionId: connection, snapshot: paymentsSnapshot() });
        const queue = queueIndexRun({ rateLimits: defaultRateLimits });
        const outcome = await db.tenant({ orgId: orgA, userId: null, graphScope: { kind: 'org' } }, async (sql) => {
          const [due] = await claimDueReindexes(sql, { now: new Date(Date.now() + 25 * HOUR), intervalSeconds: 3600, limit: 5 });
          return queue(sql, due!);
        });
        expect(outcome).toEqual({ queued: false, reason: 'no_role_allows_index' });
        expect(await db.owner(async (sql) => (await sql.query('select 1 from runs where org_id = $1', [orgA])).rows)).toEqual([]);
      },
      { driver },
    );
  });
});
