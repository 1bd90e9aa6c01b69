import { testDrivers, withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { listAudit } from './list-audit.ts';
import { appendChain, clock } from './test-support.ts';

describe.each(testDrivers)('listAudit on %s', (driver) => {
  it('pages by seq with afterSeq and limit, oldest first, in the current org only', async () => {
    await withTestDb(
      async ({ db, orgA, orgB }) => {
        const written = await appendChain(db, orgA, 7);
        await appendChain(db, orgB, 2);
        const page = (afterSeq: number | undefined, limit: number) =>
          db.tenant({ orgId: orgA, userId: null }, (sql) => listAudit(sql, { ...(afterSeq === undefined ? {} : { afterSeq }), limit }));

        expect((await page(undefined, 3)).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect((await page(3, 3)).map((e) => e.seq)).toEqual([4, 5, 6]);
        expect((await page(6, 3)).map((e) => e.seq)).toEqual([7]);
        expect(await page(7, 3)).toEqual([]);

        const [fourth] = await page(3, 1);
        expect(fourth).toEqual({
          seq: 4,
          at: clock(4).toISOString(),
          actorId: null,
          action: 'role.create',
          targetType: 'role',
          targetId: 'role-4',
          outcome: 'success',
          requestId: 'req-4',
          detail: { alpha: { a: true, b: [1, 'two', null] }, n: 4, zeta: 'last' },
          hash: written[3]!.hash,
        });
      },
      { driver },
    );
  });
});
