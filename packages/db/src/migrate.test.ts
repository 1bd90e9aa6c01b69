import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.ts';
import { openPgDatabase } from './pg-database.ts';
import { testAppUrl, testDatabaseUrl, testDrivers, withTestDb } from './testing.ts';

describe.each(testDrivers)('migrations on %s', (driver) => {
  it('are recorded and a second run applies nothing', async () => {
    await withTestDb(
      async ({ db }) => {
        const again = await migrate(db);
        expect(again.applied).toEqual([]);
        expect(again.alreadyApplied).toBeGreaterThan(0);
        const recorded = await db.owner((sql) => sql.query<{ name: string }>('select name from schema_migrations order by name'));
        expect(recorded.rows.map((r) => r.name)).toContain('0001_foundation.sql');
      },
      { driver },
    );
  });
});

describe.runIf(testDatabaseUrl)('migrations from two processes at once', () => {
  it('serialise on the advisory lock: one applies, the other finds nothing to do', async () => {
    const schema = `t_concurrent_${Date.now().toString(36)}`;
    const one = openPgDatabase({ ownerUrl: testDatabaseUrl!, appUrl: testAppUrl!, schema, poolSize: 1 });
    const two = openPgDatabase({ ownerUrl: testDatabaseUrl!, appUrl: testAppUrl!, schema, poolSize: 1 });
    try {
      const [a, b] = await Promise.all([migrate(one), migrate(two)]);
      const applied = [...a.applied, ...b.applied].sort();
      expect(applied).toEqual([...new Set(applied)]);
      expect(Math.min(a.applied.length, b.applied.length)).toBe(0);
    } finally {
      await one.owner((sql) => sql.query(`drop schema if exists "${schema}" cascade`));
      await Promise.all([one.close(), two.close()]);
    }
  });
});
