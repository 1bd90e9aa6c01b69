/**
 * Meter throughput: reserve + settle pairs per second against a capped org budget, on PGlite
 * and (with --postgres and TEST_DATABASE_URL) on PostgreSQL, against a baseline measured in the
 * same run: the same number of empty tenant transactions (the floor every metered call pays).
 *
 *   node --import tsx bench/meter-throughput.ts [--postgres] [--calls 2000] [--concurrency 8]
 */
import { performance } from 'node:perf_hooks';
import { reserveModelCall, setBudget, settleModelCall } from '@remit/db';
import { withTestDb, type TestDriver } from '@remit/db/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const CALLS = arg('--calls', 2000);
const CONCURRENCY = arg('--concurrency', 8);
const driver: TestDriver = process.argv.includes('--postgres') ? 'postgres' : 'pglite';
if (driver === 'postgres' && !process.env.TEST_DATABASE_URL) {
  console.error('--postgres needs TEST_DATABASE_URL');
  process.exit(2);
}

async function inParallel(total: number, width: number, work: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < total) await work();
    }),
  );
  return performance.now() - started;
}

await withTestDb(
  async ({ db, orgA }) => {
    const ctx = { orgId: orgA, userId: null };
    await db.tenant(ctx, (sql) => setBudget(sql, 'org', 'org', 1_000_000));
    const at = new Date();
    const usage = { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.008, latencyMs: 900 };
    const metered = async () => {
      const { callId } = await db.tenant(ctx, (sql) =>
        reserveModelCall(sql, { runId: null, roleId: null, userId: null, model: 'bench', estimateUsd: 0.07, at }),
      );
      await db.tenant(ctx, (sql) => settleModelCall(sql, callId, usage));
    };
    const empty = async () => {
      await db.tenant(ctx, (sql) => sql.query('select 1'));
      await db.tenant(ctx, (sql) => sql.query('select 1'));
    };
    await inParallel(100, CONCURRENCY, metered); // warm-up
    await inParallel(100, CONCURRENCY, empty);
    const meterMs = await inParallel(CALLS, CONCURRENCY, metered);
    const baseMs = await inParallel(CALLS, CONCURRENCY, empty);
    const rate = (ms: number) => Math.round((CALLS / ms) * 1000);
    console.log(`meter throughput · ${driver} · ${CALLS} calls · ${CONCURRENCY} concurrent · node ${process.version}\n`);
    console.log(`${'measure'.padEnd(44)}${'per second'.padStart(12)}${'ms per call'.padStart(14)}`);
    console.log(`${'reserve + settle (2 transactions)'.padEnd(44)}${String(rate(meterMs)).padStart(12)}${(meterMs / CALLS).toFixed(2).padStart(14)}`);
    console.log(`${'baseline: 2 empty tenant transactions'.padEnd(44)}${String(rate(baseMs)).padStart(12)}${(baseMs / CALLS).toFixed(2).padStart(14)}`);
    console.log(`${'ratio meter / baseline'.padEnd(44)}${`${(meterMs / baseMs).toFixed(2)}x`.padStart(12)}`);
    console.log('(all calls contend for one org budget row: the worst case for the row lock)');
  },
  { driver, poolSize: CONCURRENCY },
);
