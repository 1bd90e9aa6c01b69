/**
 * Push-based transcript streams: what 500 idle open streams cost the database and the API, against
 * the same measures with no stream open, in the same run, on PGlite and (with --postgres and
 * TEST_DATABASE_URL) on PostgreSQL. The app is assembled as test-app.ts does (createApp, the
 * development issuer, a vault, info-level access logs) on a Database that counts what the app
 * sends, and served over real HTTP on 127.0.0.1; every stream is its own node:http connection
 * (http-clients.ts).
 * Goals: the app's database work independent of how many streams are open; /v1/me p99 < 50 ms.
 *
 *   node --import tsx bench/push-streams.ts [--postgres] [--streams 500] [--users 50] [--idle-seconds 3]
 *
 * Prints figures; fails only when a stream is refused, ends early or misses an event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { createApp, createLogger } from '@remit/api';
import { RefusalTally } from '@remit/audit';
import { defaultHttpLimits, defaultRateLimits } from '@remit/core';
import { appendRunEvent, claimRuns, setRunStatus, type Database, type Sql } from '@remit/db';
import { withTestDb, type TestDriver } from '@remit/db/testing';
import { createTokenVerifier, loadOrCreateDevIssuer } from '@remit/identity';
import { createLocalDriver } from '@remit/sandbox';
import { LocalVaultStore } from '@remit/secrets';
import { call, openTranscript, type TranscriptStream as Stream } from './http-clients.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const STREAMS = arg('--streams', 500);
const USERS = arg('--users', 50);
const IDLE_MS = arg('--idle-seconds', 3) * 1000;
/** /v1/me: ROUNDS rounds of REQUESTS, CONCURRENCY at a time; the median round is kept, so one busy moment of a shared machine does not decide. */
const REQUESTS = arg('--requests', 500);
const ROUNDS = arg('--rounds', 3);
const CONCURRENCY = arg('--concurrency', 4);
const EVENTS = arg('--events', 20);
/** How long all streams may take to open and send what their runs already hold. */
const OPEN_DEADLINE_MS = 60_000;
const ADMIN_GROUP = 'remit-admins';
const WORKER = 'bench-worker';
const driver: TestDriver = process.argv.includes('--postgres') ? 'postgres' : 'pglite';
if (driver === 'postgres' && !process.env.TEST_DATABASE_URL) {
  console.error('--postgres needs TEST_DATABASE_URL');
  process.exit(2);
}
if (!Number.isInteger(STREAMS / USERS)) {
  console.error('--streams must be a multiple of --users');
  process.exit(2);
}

/** Counts the transactions the app opens and the statements it sends in them. */
function counting(db: Database) {
  const seen = { transactions: 0, queries: 0 };
  const counted = (sql: Sql): Sql => ({
    query: (text, params) => {
      seen.queries++;
      return sql.query(text, params);
    },
    exec: (text) => {
      seen.queries++;
      return sql.exec(text);
    },
  });
  const wrapped: Database = {
    driver: db.driver,
    schema: db.schema,
    notifications: db.notifications,
    tenant: (ctx, fn) => {
      seen.transactions++;
      return db.tenant(ctx, (sql) => fn(counted(sql)));
    },
    owner: (fn) => {
      seen.transactions++;
      return db.owner((sql) => fn(counted(sql)));
    },
    ping: () => {
      seen.queries++;
      return db.ping();
    },
    close: () => db.close(),
  };
  return { wrapped, seen };
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

interface Run {
  id: string;
  userId: string;
  token: string;
  lastSeq: number;
}

interface Bench {
  db: Database;
  orgId: string;
  origin: string;
  agent: http.Agent;
  seen: { transactions: number; queries: number };
  tokens: string[];
  runs: Run[];
  streams: Stream[];
}

/** Users, a role for them, and STREAMS runs (the same number per user), claimed and running as a worker leaves them mid-run. */
async function createRunningRuns(b: Bench, sign: (claims: { sub: string; email: string; groups: string[] }) => Promise<string>): Promise<void> {
  const ok = async (res: { status: number; body: string }, want: number) => {
    if (res.status !== want) throw new Error(`setup: HTTP ${res.status} ${res.body}`);
    return JSON.parse(res.body) as { id?: string; userId?: string };
  };
  const admin = await sign({ sub: 'admin@example.com', email: 'admin@example.com', groups: [ADMIN_GROUP] });
  await ok(await call(b.origin, b.agent, 'POST', '/v1/admin/roles', admin, { name: 'developer', runKinds: ['troubleshoot'] }), 201);
  await ok(await call(b.origin, b.agent, 'POST', '/v1/admin/bindings', admin, { role: 'developer', subject: { kind: 'group', group: 'developers' } }), 201);
  const runOwners = Array.from({ length: STREAMS }, (_, i) => i % USERS);
  b.tokens = await Promise.all(
    Array.from({ length: USERS }, (_, u) => sign({ sub: `user${u}@example.com`, email: `user${u}@example.com`, groups: ['developers'] })),
  );
  const userIds = await Promise.all(b.tokens.map(async (token) => (await ok(await call(b.origin, b.agent, 'GET', '/v1/me', token), 200)).userId!));
  await inParallel(runOwners, 8, async (u, i) => {
    const run = await ok(await call(b.origin, b.agent, 'POST', '/v1/runs', b.tokens[u]!, { kind: 'troubleshoot', input: 'why?' }), 202);
    b.runs[i] = { id: run.id!, userId: userIds[u]!, token: b.tokens[u]!, lastSeq: 0 };
  });
  // One claim per transaction, as a worker with room for one: a larger claim reads its runs concurrently on one pg client, which pg 8 warns about.
  const byId = new Map(b.runs.map((run) => [run.id, run]));
  await inParallel(b.runs, 8, () =>
    b.db.tenant({ orgId: b.orgId, userId: null }, async (sql) => {
      const [claimed] = await claimRuns(sql, WORKER, 3600, 1);
      const run = claimed && byId.get(claimed.id);
      if (!run) throw new Error('setup: no queued run left to claim');
      if (!(await setRunStatus(sql, run.id, WORKER, 'running'))) throw new Error(`setup: run ${run.id} lost its lease`);
      run.lastSeq = (await appendRunEvent(sql, run.id, 'status', { status: 'running' })).seq;
    }),
  );
}

/** Opens one stream per run and waits until each has sent what its run already holds: idle from there. */
async function openStreams(b: Bench, runs: Run[]): Promise<Stream[]> {
  const opened: Stream[] = [];
  const work = inParallel(runs, 25, async (run, i) => {
    const stream = await openTranscript(b.origin, run.token, run.id);
    b.streams.push((opened[i] = stream));
    await stream.until(run.lastSeq);
  });
  await deadline(work, OPEN_DEADLINE_MS, `opening ${runs.length} streams`);
  return opened;
}

/** The app's transactions and statements per second while nothing happens. */
async function idle(b: Bench) {
  const before = { ...b.seen };
  await sleep(IDLE_MS);
  const perSecond = (n: number) => (n * 1000) / IDLE_MS;
  return { transactionsPerSecond: perSecond(b.seen.transactions - before.transactions), queriesPerSecond: perSecond(b.seen.queries - before.queries) };
}

/** GET /v1/me latency, CONCURRENCY at a time over keep-alive connections, and the app transactions each request costs. */
async function me(b: Bench, rounds = ROUNDS) {
  const before = b.seen.transactions;
  const p50: number[] = [];
  const p99: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const ms: number[] = [];
    await inParallel(
      Array.from({ length: REQUESTS }, (_, i) => b.tokens[i % b.tokens.length]!),
      CONCURRENCY,
      async (token) => {
        const started = performance.now();
        const res = await call(b.origin, b.agent, 'GET', '/v1/me', token);
        ms.push(performance.now() - started);
        if (res.status !== 200) throw new Error(`/v1/me: HTTP ${res.status}`);
      },
    );
    p50.push(quantile(ms, 0.5));
    p99.push(quantile(ms, 0.99));
  }
  return { meP50: quantile(p50, 0.5), meP99: quantile(p99, 0.5), transactionsPerMe: (b.seen.transactions - before) / (REQUESTS * rounds) };
}

/** Appends as the run's worker does (outside the app, so uncounted); the baseline is that append's own transaction. */
async function events(b: Bench, run: Run, stream: Stream, total: number) {
  const before = b.seen.transactions;
  const delivered: number[] = [];
  const appended: number[] = [];
  for (let i = 0; i < total; i++) {
    const started = performance.now();
    const e = await b.db.tenant({ orgId: b.orgId, userId: run.userId }, (sql) =>
      appendRunEvent(sql, run.id, 'tool_call', { id: `probe-${i}`, name: 'bench', input: {} }),
    );
    appended.push(performance.now() - started);
    run.lastSeq = e.seq;
    delivered.push((await deadline(stream.until(e.seq), 5000, `event ${e.seq}`)) - started);
  }
  return { deliveredP50: quantile(delivered, 0.5), appendP50: quantile(appended, 0.5), transactionsPerEvent: (b.seen.transactions - before) / total };
}

type Figures = Awaited<ReturnType<typeof idle>> & Awaited<ReturnType<typeof me>> & Awaited<ReturnType<typeof events>>;

await withTestDb(
  async ({ db, orgA }) => {
    const dir = mkdtempSync(join(tmpdir(), 'remit-bench-'));
    let server: Server | undefined;
    let refusals: RefusalTally | undefined;
    const b: Bench = {
      db,
      orgId: orgA,
      origin: '',
      agent: new http.Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, 8) }),
      seen: { transactions: 0, queries: 0 },
      tokens: [],
      runs: [],
      streams: [],
    };
    try {
      const issuer = await loadOrCreateDevIssuer(dir);
      // Access lines formatted as in production (info) and dropped; warnings and errors still shown.
      const logger = createLogger({
        level: 'info',
        destination: { write: (line: string) => void (/"level":"(warn|error|fatal)"/.test(line) && process.stderr.write(line)) },
      });
      const verifier = createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, algorithm: issuer.algorithm, keys: issuer.keys });
      const secrets = await LocalVaultStore.open({ dataDir: dir });
      const { wrapped, seen } = counting(db);
      b.seen = seen;
      // The defaults (8 per user, 128 in all) would refuse this bench; +1 for the probe of the first scenario, which may not have let go yet.
      const httpLimits = { ...defaultHttpLimits, streamsPerUser: STREAMS / USERS + 1, streamsTotal: STREAMS + 1 };
      const burst = { capacity: STREAMS * 2, refillPerSecond: STREAMS };
      const rateLimits = { ...defaultRateLimits, runs: { org: burst, role: burst, user: burst } };
      refusals = new RefusalTally({ db: wrapped, orgId: orgA, windowMs: httpLimits.refusalAuditWindowSeconds * 1000, log: logger });
      const app = createApp({
        db: wrapped,
        orgId: orgA,
        verifier,
        adminGroup: ADMIN_GROUP,
        logger,
        secrets,
        sandboxes: createLocalDriver({ stateDir: join(dir, 'sandboxes') }),
        publicUrl: 'http://127.0.0.1',
        rateLimits,
        httpLimits,
        refusals,
      });
      const port = await new Promise<number>((resolve, reject) => {
        server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => resolve(info.port)) as Server;
        server.once('error', reject);
      });
      b.origin = `http://127.0.0.1:${port}`;
      await db.notifications.ready();
      await createRunningRuns(b, (claims) => issuer.sign(claims));
      const probeRun = b.runs[0]!;

      // Warm-up, unmeasured: the JIT, the pool's connections, the append and read paths.
      await me(b, 1);
      const [warm] = await openStreams(b, [probeRun]);
      await events(b, probeRun, warm!, EVENTS);
      warm!.close();
      await sleep(200);

      // No stream open (the event rows need one: the stream that receives them).
      const none = { ...(await idle(b)), ...(await me(b)) };
      const [probe] = await openStreams(b, [probeRun]);
      const without: Figures = { ...none, ...(await events(b, probeRun, probe!, EVENTS)) };
      probe!.close();
      await sleep(200);

      // STREAMS open, one per running run; the probe run's stream is one of them.
      const opened = await openStreams(b, b.runs);
      await sleep(500);
      const many = { ...(await idle(b)), ...(await me(b)) };
      const withMany: Figures = { ...many, ...(await events(b, probeRun, opened[0]!, EVENTS)) };
      const stillOpen = opened.filter((s) => s.open).length;
      if (stillOpen !== STREAMS) throw new Error(`${STREAMS - stillOpen} streams ended during the measurement`);
      print(without, withMany);
    } finally {
      for (const s of b.streams) s.close();
      b.agent.destroy();
      await sleep(200); // the server sees the aborts and its streams unsubscribe
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await refusals?.close(); // before the schema is dropped: it writes what is still counted
      rmSync(dir, { recursive: true, force: true });
    }
  },
  { driver, poolSize: 10 },
);

function print(a: Figures, b: Figures): void {
  const rows: [string, (f: Figures) => number, number][] = [
    [`app transactions per second, idle ${IDLE_MS / 1000} s`, (f) => f.transactionsPerSecond, 1],
    [`app statements per second, idle ${IDLE_MS / 1000} s`, (f) => f.queriesPerSecond, 1],
    [`GET /v1/me p50 ms (${CONCURRENCY} at a time)`, (f) => f.meP50, 1],
    ['GET /v1/me p99 ms (goal < 50)', (f) => f.meP99, 1],
    ['app transactions per GET /v1/me', (f) => f.transactionsPerMe, 2],
    [`event -> stream p50 ms (${EVENTS} events)`, (f) => f.deliveredP50, 1],
    ['baseline: the append transaction alone, p50 ms', (f) => f.appendP50, 1],
    ['app transactions per event appended', (f) => f.transactionsPerEvent, 2],
  ];
  console.log(
    `push transcript streams · ${driver} · ${STREAMS} streams over ${USERS} users · /v1/me: median of ${ROUNDS} rounds of ${REQUESTS} · node ${process.version}\n`,
  );
  console.log(`${'measure'.padEnd(48)}${'0 streams'.padStart(11)}${`${STREAMS} streams`.padStart(13)}${'ratio'.padStart(9)}`);
  for (const [label, pick, digits] of rows) {
    const [x, y] = [pick(a), pick(b)];
    const ratio = x > 0 ? `${(y / x).toFixed(2)}x` : y === 0 ? 'both 0' : 'from 0';
    console.log(`${label.padEnd(48)}${x.toFixed(digits).padStart(11)}${y.toFixed(digits).padStart(13)}${ratio.padStart(9)}`);
  }
  console.log(
    `(all ${STREAMS} streams were still open at the end; the 200 ms poll they replaced would open ${(STREAMS * 5).toLocaleString('en-US')} transactions a second`,
  );
  console.log(' at this count, by arithmetic; the event rows under 0 streams use the one stream that receives the events)');
}
