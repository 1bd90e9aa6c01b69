/**
 * How fast the console's pages are served, with 1,000 runs (and their model calls and audit
 * entries) in the database: the server time of each page, measured in-process (app.request,
 * no network), against the API's own JSON answer for the same data in the same run (the
 * baseline: what the page costs beyond the API call it makes). Also the bytes a browser
 * downloads for each page with its assets (gzip, as the API serves them).
 * Goals (issue 14): p95 under 50 ms per page, and under 100 KB transferred per page.
 *
 *   node --import tsx bench/console-pages.ts [--postgres] [--requests 200]
 */
import { gzipSync } from 'node:zlib';
import { consoleSignIn, withTestApp } from '@remit/api/testing';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const REQUESTS = arg('requests', 200);
const postgres = process.argv.includes('--postgres');
const RUNS = 1000;
const GOAL_P95_MS = 50;
const GOAL_BYTES = 100 * 1024;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

if (postgres && !process.env.TEST_DATABASE_URL) throw new Error('--postgres needs TEST_DATABASE_URL');
await withTestApp(
  async (t) => {
    const admin = await t.adminToken();
    const json = (path: string, body: unknown, method = 'POST') => t.request(path, { method, token: admin, json: body });
    await json('/v1/admin/connections', { name: 'payments', type: 'http', baseUrl: 'https://payments.example.com', auth: { kind: 'none' } });
    await json('/v1/admin/roles', { name: 'developer', runKinds: ['troubleshoot'], connections: [] });
    await json('/v1/admin/bindings', { role: 'developer', subject: { kind: 'group', group: 'developers' } });
    const browser = await consoleSignIn(t, { email: 'admin@example.com', groups: ['remit-admins', 'developers'] });
    // 1,000 finished runs with a model call each, and one run with a 200-event transcript.
    await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
      const role = (await sql.query<{ id: string }>(`select id from roles where name = 'developer'`)).rows[0]!.id;
      const user = (await sql.query<{ id: string }>(`select id from users where email = 'admin@example.com'`)).rows[0]!.id;
      await sql.query(
        `insert into runs (org_id, kind, role_id, user_id, trigger, input, status, steps, created_at, started_at, finished_at)
         select remit_current_org(), 'troubleshoot', $1, $2, '{"type":"api"}', 'Why is checkout returning 500s? #' || i,
                (array['succeeded','failed','cancelled','timed_out'])[1 + i % 4], i % 12,
                now() - make_interval(mins => i), now() - make_interval(mins => i), now() - make_interval(mins => i) + make_interval(secs => 5 + i % 90)
           from generate_series(1, $3::int) i`,
        [role, user, RUNS],
      );
      await sql.query(
        `insert into model_calls (org_id, run_id, model, input_tokens, output_tokens, cost_usd, status, role_id, user_id, period_start, settled_at, at)
         select org_id, id, 'anthropic.claude-sonnet-4', 3000, 500, 0.0165, 'settled', role_id, user_id, date_trunc('month', now())::date, now(), created_at from runs`,
      );
      const run = (await sql.query<{ id: string }>(`select id from runs order by created_at desc limit 1`)).rows[0]!.id;
      await sql.query(
        `insert into run_events (org_id, run_id, seq, type, data)
         select remit_current_org(), $1, i, case when i % 2 = 0 then 'tool_call' else 'egress' end,
                case when i % 2 = 0 then jsonb_build_object('id', 't' || i, 'name', 'http_request', 'input', jsonb_build_object('connection', 'payments', 'path', '/v1/pool'))
                     else jsonb_build_object('connection', 'payments', 'method', 'GET', 'path', '/v1/pool', 'allowed', i % 3 <> 0, 'reason', null, 'status', 200) end
           from generate_series(1, 200) i`,
        [run],
      );
      await sql.query(`update runs set last_event_seq = 200 where id = $1`, [run]);
    });
    const runId = ((await (await t.request('/v1/runs?limit=1', { token: admin })).json()) as { items: { id: string }[] }).items[0]!.id;

    const pages: { name: string; path: string; baseline: string }[] = [
      { name: 'runs list', path: '/console/runs', baseline: '/v1/runs?limit=50' },
      { name: 'runs, filtered', path: '/console/runs?status=failed&kind=troubleshoot', baseline: '/v1/runs?status=failed&kind=troubleshoot&limit=50' },
      { name: 'a run (200 events)', path: `/console/runs/${runId}`, baseline: `/v1/runs/${runId}` },
      { name: 'roles', path: '/console/roles', baseline: '/v1/admin/roles' },
      { name: 'connections', path: '/console/connections', baseline: '/v1/admin/connections' },
      { name: 'audit', path: '/console/audit', baseline: '/v1/audit' },
      { name: 'usage', path: '/console/usage', baseline: '/v1/usage?groupBy=role' },
      { name: 'bindings', path: '/console/bindings', baseline: '/v1/admin/bindings' },
      { name: 'sandboxes', path: '/console/sandboxes', baseline: '/v1/admin/sandboxes' },
    ];
    const assets = new Map<string, number>();
    const rows: string[] = [];
    let failed = false;
    for (const page of pages) {
      const first = await browser.get(page.path);
      const html = await first.text();
      if (first.status !== 200) throw new Error(`${page.path}: HTTP ${first.status}`);
      // What a browser downloads: the page (gzipped, as a proxy or the browser cache would see it
      // compressed) and every asset it links to, as the API serves them (gzip).
      for (const src of html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)) {
        if (assets.has(src[1]!)) continue;
        const res = await t.request(src[1]!, { headers: { 'accept-encoding': 'gzip' } });
        assets.set(src[1]!, (await res.arrayBuffer()).byteLength);
      }
      const assetBytes = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].reduce((n, m) => n + (assets.get(m[1]!) ?? 0), 0);
      const bytes = html.length + assetBytes;
      const gzBytes = gzipSync(html).byteLength + assetBytes;
      const time = async (fn: () => Promise<Response>) => {
        const ms: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const t0 = performance.now();
          const res = await fn();
          await res.arrayBuffer();
          ms.push(performance.now() - t0);
        }
        return ms;
      };
      const pageMs = await time(() => browser.get(page.path));
      const apiMs = await time(() => t.request(page.baseline, { token: admin }));
      const p95 = pct(pageMs, 95);
      if (p95 >= GOAL_P95_MS || bytes >= GOAL_BYTES) failed = true;
      rows.push(
        `${page.name.padEnd(22)} ${pct(pageMs, 50).toFixed(1).padStart(6)} ${p95.toFixed(1).padStart(6)}   ${pct(apiMs, 95).toFixed(1).padStart(6)}  ${(p95 / pct(apiMs, 95)).toFixed(2).padStart(5)}×  ${(bytes / 1024).toFixed(1).padStart(6)} KB ${(gzBytes / 1024).toFixed(1).padStart(6)} KB`,
      );
    }
    process.stdout.write(`console pages, ${RUNS} runs, ${t.db.driver}, ${REQUESTS} requests each (server time in-process, ms)\n`);
    process.stdout.write(`page                     p50    p95   API p95  ratio   page+assets  (page gzipped)\n`);
    for (const r of rows) process.stdout.write(`${r}\n`);
    process.stdout.write(`goals: p95 < ${GOAL_P95_MS} ms, < ${GOAL_BYTES / 1024} KB with assets: ${failed ? 'MISSED' : 'met'}\n`);
  },
  { ...(postgres ? { driver: 'postgres' as const } : {}) },
);
