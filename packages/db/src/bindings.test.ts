import type { Binding } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { bindingPosition, createBinding, deleteBinding, listBindings } from './bindings.ts';
import { createRole } from './roles.ts';
import type { Sql } from './sql.ts';
import { testDrivers, withTestDb } from './testing.ts';

const role = (name: string) => ({ name, description: '', connections: [], runKinds: ['review' as const], limits: { maxDurationSeconds: 60, maxSteps: 3 } });
const label = (b: Binding) => `${b.role} ${b.subject.kind} ${b.subject.kind === 'group' ? b.subject.group : b.subject.email}`;

/** Every binding, page by page, each page starting after the last one's final binding. */
async function readAll(sql: Sql, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let page = await listBindings(sql, { limit });
  while (page.length) {
    seen.push(...page.map(label));
    page = await listBindings(sql, { after: bindingPosition(page.at(-1)!), limit });
  }
  return seen;
}

/** Rows the plan read from role_bindings, kept or filtered out, over all loops (EXPLAIN ANALYZE; both counts are per loop). */
function bindingRowsRead(plan: Record<string, unknown>): number {
  const perLoop = Number(plan['Actual Rows']) + Number(plan['Rows Removed by Filter'] ?? 0);
  const own = plan['Relation Name'] === 'role_bindings' ? perLoop * Number(plan['Actual Loops']) : 0;
  return own + ((plan.Plans as Record<string, unknown>[] | undefined) ?? []).reduce((n, child) => n + bindingRowsRead(child), 0);
}

describe.each(testDrivers)('the bindings list on %s', (driver) => {
  it('pages in (role name, subject kind, subject) order at every page size, skipping roles without bindings and a cursor’s deleted binding', async () => {
    await withTestDb(
      async ({ db, orgA, orgB }) => {
        await db.tenant({ orgId: orgB, userId: null }, async (sql) => {
          await createRole(sql, role('aardvark'));
          await createBinding(sql, { role: 'aardvark', subject: { kind: 'group', group: 'other-org' } });
        });
        await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
          for (const name of ['delta', 'Bravo', 'alpha', 'empty', 'charlie', 'b-r', 'zulu']) await createRole(sql, role(name));
          const subjects = [
            { kind: 'user' as const, email: 'a@example.com' },
            { kind: 'group' as const, group: 'ops' },
            { kind: 'group' as const, group: 'Dev' },
            { kind: 'user' as const, email: 'z@example.com' },
            { kind: 'group' as const, group: '' },
          ];
          for (const name of ['delta', 'Bravo', 'alpha', 'charlie', 'b-r', 'zulu']) {
            for (const subject of subjects.slice(0, name.length % 5 || 5)) await createBinding(sql, { role: name, subject });
          }
          // The contract: the join sorted whole, in the database's collation.
          const expected = (
            await sql.query<{ role: string; subject_kind: string; subject: string }>(
              `select r.name as role, b.subject_kind, b.subject from role_bindings b join roles r on r.id = b.role_id order by 1, 2, 3`,
            )
          ).rows.map((r) => `${r.role} ${r.subject_kind} ${r.subject}`);
          expect(expected).toHaveLength(5 + 5 + 5 + 2 + 3 + 4);
          for (const limit of [1, 2, 3, 5, 7, 100]) expect(await readAll(sql, limit), `limit ${limit}`).toEqual(expected);
          expect((await listBindings(sql)).map(label)).toEqual(expected);

          // A cursor whose binding, and then whose role's last binding, is gone still continues where it was.
          const [first, second] = await listBindings(sql, { limit: 2 });
          await deleteBinding(sql, first!.id);
          expect((await listBindings(sql, { after: bindingPosition(first!), limit: 1 })).map(label)).toEqual([label(second!)]);
          const zulu = (await listBindings(sql)).filter((b) => b.role === 'zulu');
          const lastBeforeZulu = (await listBindings(sql)).filter((b) => b.role !== 'zulu').at(-1)!;
          await deleteBinding(sql, lastBeforeZulu.id);
          expect((await listBindings(sql, { after: bindingPosition(lastBeforeZulu), limit: 100 })).map(label)).toEqual(zulu.map(label));
        });
      },
      { driver },
    );
  });

  it.each([
    [1, 1000],
    [20, 50],
    [1000, 1],
  ])(
    '%i role(s) with %i bindings each: a page reads about as many bindings as it returns (regression: every page sorted the whole join)',
    async (roles, perRole) => {
      await withTestDb(
        async ({ db, orgA }) => {
          const ctx = { orgId: orgA, userId: null };
          await db.tenant(ctx, async (sql) => {
            await sql.query(
              `insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps)
             select remit_current_org(), 'role-' || lpad(i::text, 4, '0'), '{review}', 60, 3 from generate_series(1, $1::int) i`,
              [roles],
            );
            await sql.query(
              `insert into role_bindings (org_id, role_id, subject_kind, subject)
             select remit_current_org(), r.id, case when j % 3 = 0 then 'user' else 'group' end, 's-' || lpad(j::text, 4, '0') from roles r, generate_series(1, $1::int) j`,
              [perRole],
            );
          });
          await db.owner(async (sql) => {
            await sql.query(`analyze ${db.schema}.roles`);
            await sql.query(`analyze ${db.schema}.role_bindings`);
          });
          await db.tenant(ctx, async (sql) => {
            const all = await listBindings(sql);
            expect(all).toHaveLength(1000);
            const middle = bindingPosition(all[499]!);
            expect((await listBindings(sql, { after: middle, limit: 51 })).map(label)).toEqual(all.slice(500, 551).map(label));
            // The statement listBindings sends, explained.
            const reads: number[] = [];
            const explaining: Sql = {
              ...sql,
              query: async <Row>(text: string, params?: readonly unknown[]) => {
                const res = await sql.query<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>(`explain (analyze, format json) ${text}`, params);
                reads.push(bindingRowsRead(res.rows[0]!['QUERY PLAN'][0].Plan));
                return { rows: [] as Row[], rowCount: 0 };
              },
            };
            await listBindings(explaining, { limit: 51 });
            await listBindings(explaining, { after: middle, limit: 51 });
            for (const read of reads) expect(read).toBeLessThanOrEqual(3 * 51);
          });
        },
        { driver },
      );
    },
  );
});
