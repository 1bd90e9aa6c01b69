/**
 * How long verifyAuditChain takes over 100,000 entries, against the goal of 2 s, and how
 * much of that is hashing: the same pages are also read without hashing, as a baseline.
 *
 *   node --import tsx bench/audit-verify.ts               # PGlite in memory
 *   node --import tsx bench/audit-verify.ts --postgres    # the server at TEST_DATABASE_URL
 *
 * Prints figures; asserts nothing beyond the chain verifying.
 */
import { performance } from 'node:perf_hooks';
import { GENESIS_PREV_HASH, chainHash, listAudit, verifyAuditChain, type HashedAuditFields } from '@remit/audit';
import { ensureOrg, type Database, type Sql } from '@remit/db';
import { createTestDatabase, testDatabaseUrl, type TestDriver } from '@remit/db/testing';

const ENTRIES = 100_000;
/** 1,000 rows per INSERT, sent as 11 arrays: one statement stays well under a megabyte. */
const INSERT_BATCH = 1000;
/** The verifier's default page, so the baseline reads exactly what verify reads. */
const PAGE = 5000;
const RUNS = 3;
const GOAL_MS = 2000;

interface StoredEntry extends HashedAuditFields {
  prevHash: string;
  hash: string;
}

const actions = ['role.create', 'role.update', 'connection.update', 'binding.create', 'run.start', 'run.finish'];

/** A typical entry: an actor, a target, a request id and a few detail fields (~400 bytes stored). */
function entryFields(orgId: string, seq: number, startMs: number): HashedAuditFields {
  return {
    orgId,
    seq,
    at: new Date(startMs + seq * 250).toISOString(),
    actorId: seq % 10 === 0 ? null : `00000000-0000-4000-8000-${(seq % 97).toString(16).padStart(12, '0')}`,
    action: actions[seq % actions.length]!,
    targetType: 'role',
    targetId: `role-${seq % 50}`,
    outcome: seq % 17 === 0 ? 'denied' : 'success',
    requestId: `req-${seq.toString(36).padStart(8, '0')}`,
    detail: { runKinds: ['troubleshoot', 'review'], limits: { maxSteps: 40, maxDurationSeconds: 900 }, changed: ['description'] },
  };
}

function buildChain(orgId: string): StoredEntry[] {
  const startMs = Date.UTC(2025, 0, 1);
  const entries: StoredEntry[] = [];
  let prevHash = GENESIS_PREV_HASH;
  for (let seq = 1; seq <= ENTRIES; seq++) {
    const fields = entryFields(orgId, seq, startMs);
    const hash = chainHash(fields, prevHash);
    entries.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

/** Bulk load as the owner, one INSERT … SELECT FROM unnest(arrays) per batch. */
async function insertChain(db: Database, orgId: string, entries: StoredEntry[]): Promise<void> {
  await db.owner(async (sql: Sql) => {
    // FORCE ROW LEVEL SECURITY binds the owner too unless it is a superuser.
    await sql.query(`select set_config('remit.org_id', $1, true)`, [orgId]);
    for (let i = 0; i < entries.length; i += INSERT_BATCH) {
      const batch = entries.slice(i, i + INSERT_BATCH);
      const column = <T>(pick: (e: StoredEntry) => T) => batch.map(pick);
      await sql.query(
        `insert into audit_events (org_id, seq, at, actor_id, action, target_type, target_id, outcome, request_id, detail, prev_hash, hash)
         select $1, * from unnest($2::bigint[], $3::timestamptz[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
                                  $9::text[], $10::jsonb[], $11::text[], $12::text[])`,
        [
          orgId,
          column((e) => e.seq),
          column((e) => e.at),
          column((e) => e.actorId),
          column((e) => e.action),
          column((e) => e.targetType),
          column((e) => e.targetId),
          column((e) => e.outcome),
          column((e) => e.requestId),
          column((e) => JSON.stringify(e.detail)),
          column((e) => e.prevHash),
          column((e) => e.hash),
        ],
      );
    }
    // A server's autovacuum would have analysed the table by now; PGlite has none, and right
    // after a bulk load neither has statistics. Without them the planner reads the whole rest
    // of the chain and sorts it for every page (measured here: 4–5 s to read instead of ~1 s).
    await sql.query('analyze audit_events');
  });
}

async function verifyAll(db: Database, orgId: string): Promise<void> {
  const result = await verifyAuditChain(db, orgId, { batchSize: PAGE });
  if (!result.ok || result.checked !== ENTRIES) throw new Error(`chain did not verify: ${JSON.stringify(result)}`);
}

/** The verifier's reads without its hashing: same query, same pages, one transaction each. */
async function readAll(db: Database, orgId: string): Promise<void> {
  let afterSeq = 0;
  for (;;) {
    const page = await db.tenant({ orgId, userId: null }, (sql) => listAudit(sql, { afterSeq, limit: PAGE }));
    if (page.length) afterSeq = page[page.length - 1]!.seq;
    if (page.length < PAGE) break;
  }
  if (afterSeq !== ENTRIES) throw new Error(`read ${afterSeq} entries, expected ${ENTRIES}`);
}

async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const best = (ms: number[]) => Math.min(...ms);
const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
const fmt = (ms: number) => `${Math.round(ms).toLocaleString('en-US')}`.padStart(8);

async function main(): Promise<void> {
  const driver: TestDriver = process.argv.includes('--postgres') ? 'postgres' : 'pglite';
  if (driver === 'postgres' && !testDatabaseUrl) {
    console.error('--postgres needs TEST_DATABASE_URL');
    process.exitCode = 1;
    return;
  }
  const { db, drop } = await createTestDatabase({ driver });
  try {
    const { orgId } = await ensureOrg(db, 'bench');
    let chain: StoredEntry[] = [];
    const generateMs = await timed(() => (chain = buildChain(orgId)));
    const insertMs = await timed(() => insertChain(db, orgId, chain));
    // Pure CPU cost of what verify adds per row: canonical JSON and SHA-256, no database.
    const hashOnlyMs = await timed(() => chain.forEach((e) => chainHash(e, e.prevHash)));
    chain = []; // the measured runs should not pay, in GC, for this process's copy of the chain

    const verifyMs: number[] = [];
    const readMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, so a slow moment of the machine does not land on one side only.
      verifyMs.push(await timed(() => verifyAll(db, orgId)));
      readMs.push(await timed(() => readAll(db, orgId)));
    }

    const v = best(verifyMs);
    const r = best(readMs);
    console.log(`\naudit chain verify · ${driver} · ${ENTRIES.toLocaleString('en-US')} entries · pages of ${PAGE} · ${RUNS} runs · node ${process.version}\n`);
    console.log(`                                 best ms   median ms`);
    console.log(`verifyAuditChain                ${fmt(v)}    ${fmt(median(verifyMs))}`);
    console.log(`read-only baseline (listAudit)  ${fmt(r)}    ${fmt(median(readMs))}`);
    console.log(`ratio verify / read             ${(v / r).toFixed(2).padStart(8)}x`);
    console.log(`hashing share of verify         ${`${Math.round(((v - r) / v) * 100)}%`.padStart(8)}`);
    console.log(`canonical + SHA-256 in memory   ${fmt(hashOnlyMs)}`);
    console.log(`goal: best verify < ${GOAL_MS} ms     ${v < GOAL_MS ? '     met' : ' NOT met'}`);
    console.log(`\nsetup: chain built in ${Math.round(generateMs)} ms, inserted in ${Math.round(insertMs)} ms\n`);
  } finally {
    await drop();
  }
}

await main();
