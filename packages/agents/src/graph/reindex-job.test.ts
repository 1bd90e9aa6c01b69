import { saveGraphSnapshot, type DueReindex } from '@remit/db';
import { paymentsSnapshot, testDrivers, withTestDb } from '@remit/db/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { graphReindexJob, type QueueReindex } from './reindex-job.ts';

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
});
