/**
 * How fast GitHub's deliveries are acknowledged: signed pull_request deliveries sent over real
 * HTTP at a fixed rate to the API on 127.0.0.1 (served as `remit serve` serves it), each recorded
 * with its payload by its delivery id before the 202 while the inbox processes them (author
 * linked, role allowed: each queues a review run) in the same process, against GET /healthz sent at the same
 * rate in the same run (the floor: the same server, no work). PGlite by default; PostgreSQL with
 * --postgres and TEST_DATABASE_URL. Goal: acknowledgement p99 under 25 ms at 200 deliveries/s.
 *
 *   node --import tsx bench/webhook-ack.ts [--postgres] [--rate 200] [--seconds 10] [--no-inbox]
 *
 * --no-inbox stops the inbox first: acknowledgements alone, with no processing beside them.
 *
 * Prints figures; fails only when a delivery is not acknowledged with 202.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { withTestApp } from '@remit/api/testing';
import { webhookFixtures } from '@remit/github/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 10);
const postgres = process.argv.includes('--postgres');
const SECRET = 'bench-webhook-secret-0123456789';
const GOAL_P99_MS = 25;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

/**
 * The load generator runs in a worker thread, on its own event loop (and core), as GitHub's
 * senders are other machines: open-loop at `rate` per second (a slow answer does not delay the
 * next send); each request is either GET /healthz or a prepared signed delivery. Answers
 * latencies in ms and how many answers were not the expected status.
 */
function load(origin: string, rate: number, seconds: number, requests: { path: string; headers?: Record<string, string>; body?: string; expect: number }[]) {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { origin, rate, seconds, requests } = workerData;
    (async () => {
      const total = rate * seconds;
      const started = performance.now();
      const pending = [];
      let wrong = 0;
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const r = requests[i % requests.length];
        pending.push((async () => {
          const t0 = performance.now();
          const res = await fetch(origin + r.path, r.body === undefined ? {} : { method: 'POST', headers: r.headers, body: r.body });
          await res.arrayBuffer();
          if (res.status !== r.expect) wrong++;
          return performance.now() - t0;
        })());
      }
      parentPort.postMessage({ latencies: await Promise.all(pending), wrong });
    })();
  `;
  return new Promise<{ latencies: number[]; wrong: number }>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { origin, rate, seconds, requests } });
    worker.once('message', (m: { latencies: number[]; wrong: number }) => void worker.terminate().then(() => resolve(m)));
    worker.once('error', reject);
  });
}

if (postgres && !process.env.TEST_DATABASE_URL) throw new Error('--postgres needs TEST_DATABASE_URL');
const burst = { capacity: 1_000_000, refillPerSecond: 1_000_000 };
await withTestApp(
  async (t) => {
    const admin = await t.adminToken();
    await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['review'] } });
    await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
    await t.request('/v1/me', { token: await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] }) });
    await t.request('/v1/admin/github/links/5001', { method: 'PUT', token: admin, json: { githubLogin: 'alice-gh', user: 'alice@example.com' } });

    const base = webhookFixtures().opened.payload as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const body = (i: number) =>
      JSON.stringify({
        ...base,
        installation: { ...base.installation, id: 77 },
        number: i + 1,
        pull_request: {
          ...base.pull_request,
          number: i + 1,
          draft: false,
          state: 'open',
          head: { ...base.pull_request.head, sha: i.toString(16).padStart(40, '0') },
          user: { ...base.pull_request.user, login: 'alice-gh', id: 5001, type: 'User' },
        },
      });

    // Served as `remit serve` serves it: @hono/node-server on 127.0.0.1.
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: t.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const signed = (i: number) => {
      const text = body(i);
      return {
        path: '/v1/webhooks/github',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}`,
        },
        body: text,
        expect: 202,
      };
    };
    if (process.argv.includes('--no-inbox')) await t.githubInbox!.stop();
    await load(
      origin,
      50,
      1,
      Array.from({ length: 50 }, (_, i) => signed(100_000 + i)),
    ); // warm-up: JIT, the pool, the first inserts
    await load(origin, 50, 1, [{ path: '/healthz', expect: 200 }]);
    const floor = (await load(origin, RATE, SECONDS, [{ path: '/healthz', expect: 200 }])).latencies;
    const acked = await load(
      origin,
      RATE,
      SECONDS,
      Array.from({ length: RATE * SECONDS }, (_, i) => signed(i)),
    );
    const acks = acked.latencies;
    const refused = acked.wrong;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.githubInbox!.drained();
    const runs = await t.db.owner((sql) => sql.query<{ n: number }>(`select count(*)::int as n from runs where kind = 'review'`));

    console.log(`webhook acknowledgement, ${RATE}/s for ${SECONDS} s, ${postgres ? 'PostgreSQL' : 'PGlite'}; open-loop, over HTTP on 127.0.0.1`);
    console.log('case                                     p50 ms   p99 ms   max ms   p99 × floor');
    const row = (name: string, xs: number[]) =>
      console.log(
        `${name.padEnd(40)} ${pct(xs, 50).toFixed(1).padStart(6)}   ${pct(xs, 99).toFixed(1).padStart(6)}   ${Math.max(...xs)
          .toFixed(1)
          .padStart(6)}   ${(pct(xs, 99) / pct(floor, 99)).toFixed(2).padStart(6)}`,
      );
    row('GET /healthz (floor)', floor);
    row('signed delivery → recorded, run queued', acks);
    console.log(`${runs.rows[0]!.n} review runs queued; ${refused} deliveries not answered 202`);
    console.log(
      `goal: acknowledgement p99 under ${GOAL_P99_MS} ms at ${RATE}/s: ${pct(acks, 99) < GOAL_P99_MS ? 'met' : 'missed'} (${pct(acks, 99).toFixed(1)} ms)`,
    );
    if (refused) process.exitCode = 1;
  },
  {
    driver: postgres ? 'postgres' : 'pglite',
    rateLimits: { runs: { org: burst, role: burst, user: burst }, modelCalls: { org: burst, role: burst, user: burst } },
    github: { webhookSecrets: [SECRET] },
  },
);
