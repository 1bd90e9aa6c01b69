import { withTestDb } from '@remit/db/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { retentionJob } from './retention-job.ts';

describe('the retention job', () => {
  it('passes at the first maintenance round, then only once its interval has gone by', async () => {
    await withTestDb(async ({ db, orgA }) => {
      let now = new Date('2031-06-01T12:00:00Z');
      const expiredLogin = (hash: string) =>
        db.owner((sql) =>
          sql.query(`insert into console_logins (org_id, id_hash, flow, expires_at) values ($1, $2, '{}', $3)`, [orgA, hash, new Date(now.getTime() - 1000)]),
        );
      const left = async () =>
        (
          await db.tenant({ orgId: orgA, userId: null }, (sql) => sql.query<{ h: string }>(`select id_hash as h from console_logins order by id_hash`))
        ).rows.map((r) => r.h);
      const job = retentionJob({ everyMs: 3_600_000 });
      const deps = { db, orgId: orgA, logger: pino({ level: 'silent' }), now: () => now };

      await expiredLogin('a');
      await job.run(deps);
      expect(await left()).toEqual([]);

      now = new Date('2031-06-01T12:30:00Z');
      await expiredLogin('b');
      await job.run(deps);
      expect(await left()).toEqual(['b']);

      now = new Date('2031-06-01T13:00:00Z');
      await job.run(deps);
      expect(await left()).toEqual([]);
    });
  });
});
