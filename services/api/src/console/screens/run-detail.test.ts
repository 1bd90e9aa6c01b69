import { appendRunEvent } from '@remit/db';
import { describe, expect, it } from 'vitest';
import { readSse } from '../../http/sse-reader.ts';
import { consoleSignIn, type ConsoleBrowser } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const alice = { email: 'alice@example.com', groups: ['developers'] };

/** A developer role, alice signed in, and one queued run of hers (no worker runs here, so it stays queued). */
async function queuedRun(t: TestApp): Promise<{ browser: ConsoleBrowser; id: string }> {
  const token = await t.adminToken();
  await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  const browser = await consoleSignIn(t, alice);
  const res = await browser.post('/console/runs', { input: 'Why is checkout returning 500s?' });
  return { browser, id: res.headers.get('location')!.split('/').pop()! };
}

/** What a worker would have written: a model turn, a tool call refused, an egress refused and one allowed, a result, and a sandbox event built to break the SSE framing. */
async function writeTranscript(t: TestApp, id: string): Promise<void> {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    await appendRunEvent(sql, id, 'status', { status: 'running', model: 'scripted-demo', readyMs: 42 });
    await appendRunEvent(sql, id, 'model_turn', {
      step: 1,
      model: 'scripted-demo',
      text: 'Let me look at the logs.',
      toolCalls: [{ id: 't1', name: 'http', input: { connection: 'payments', path: '/health' } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 30 },
    });
    await appendRunEvent(sql, id, 'tool_denied', { id: 't0', name: 'aws', connection: 'prod-account', reason: 'connection_not_in_role' });
    await appendRunEvent(sql, id, 'egress', { connection: 'payments', method: 'POST', path: '/admin/<script>', allowed: false, reason: 'path_not_allowed' });
    await appendRunEvent(sql, id, 'egress', { connection: 'payments', method: 'GET', path: '/health', allowed: true, reason: null, status: 200 });
    await appendRunEvent(sql, id, 'tool_result', { id: 't1', name: 'http', ok: true, output: '0123456789\n'.repeat(1000) });
    await appendRunEvent(sql, id, 'sandbox', { type: 'exec\r\n\r\nevent: done\ndata: <img src=x onerror=alert(1)>\n\nid: 999\n' });
  });
}

/** Ends a run as a worker would: the outcome and its final status event in one transaction. */
async function finish(t: TestApp, id: string, answer: string): Promise<void> {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    await sql.query(
      `update runs set status = 'succeeded', result = $2, steps = 1, started_at = now() - interval '3 seconds', finished_at = now() where id = $1`,
      [id, { answer }],
    );
    await appendRunEvent(sql, id, 'status', { status: 'succeeded', reason: null, answer, steps: 1 });
  });
}

/** The stream as the browser's EventSource would read it, with Last-Event-ID when resuming. */
async function openStream(t: TestApp, browser: ConsoleBrowser, id: string, lastEventId?: string): Promise<Response> {
  const res = await t.request(`/console/runs/${id}/stream`, {
    headers: { cookie: `remit_console=${browser.cookie}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return res;
}

async function messages(res: Response) {
  const all = [];
  for await (const m of readSse(res.body!)) all.push(m);
  return all;
}

describe('a run’s page', () => {
  it('cancels through the API, as a plain form and in place with htmx, and refuses a cancel without CSRF', async () => {
    await withTestApp(async (t) => {
      const { browser, id } = await queuedRun(t);
      const status = async () => ((await (await t.request(`/v1/runs/${id}`, { token: await t.adminToken() })).json()) as { status: string }).status;

      for (const csrf of [false, 'x'.repeat(43)] as const) {
        const refused = await browser.post(`/console/runs/${id}/cancel`, {}, { csrf });
        expect(refused.status).toBe(403);
        expect(await refused.text()).toContain('csrf_rejected');
      }
      expect(await status()).toBe('queued');

      const htmx = await browser.post(`/console/runs/${id}/cancel`, {}, { htmx: true });
      expect(htmx.status).toBe(200);
      const fragment = await htmx.text();
      expect(fragment).toMatch(/^<section id="run-summary"/);
      expect(fragment).toContain('<span class="badge cancelled">cancelled</span>');
      expect(fragment).not.toContain('Cancel run');
      expect(await status()).toBe('cancelled');
      const audit = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
        sql.query<{ action: string }>(`select action from audit_events where action = 'run.cancel' and target_id = $1`, [id]),
      );
      expect(audit.rows).toHaveLength(1);

      // Cancelling again: the API's 409, as a page for a plain form and in the message area for htmx.
      const again = await browser.post(`/console/runs/${id}/cancel`);
      expect(again.status).toBe(409);
      expect(await again.text()).toContain('run_finished');
      const againHtmx = await browser.post(`/console/runs/${id}/cancel`, {}, { htmx: true });
      expect(againHtmx.status).toBe(409);
      expect(againHtmx.headers.get('hx-retarget')).toBe('#flash');
    });
  });

  it('cancels with a plain form (no script) and redirects back to the run', async () => {
    await withTestApp(async (t) => {
      const { browser, id } = await queuedRun(t);
      const res = await browser.post(`/console/runs/${id}/cancel`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/console/runs/${id}`);
      const page = await (await browser.get(`/console/runs/${id}`)).text();
      expect(page).toContain('<span class="badge cancelled">cancelled</span>');
      expect(page).not.toContain('sse-connect');
    });
  });

  it('renders a finished run’s transcript server-side, denials marked, with its answer and no stream', async () => {
    await withTestApp(async (t) => {
      const { browser, id } = await queuedRun(t);
      await writeTranscript(t, id);
      await finish(t, id, 'The payments <service> is down.');
      const res = await browser.get(`/console/runs/${id}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain('sse-connect');
      expect(html).not.toContain('Cancel run');
      expect(html).toContain('<div class="answer">The payments &lt;service&gt; is down.</div>');
      expect(html).toContain('<span class="badge succeeded">succeeded</span>');
      const denials = [...html.matchAll(/<li class="denied"[^>]*>([\s\S]*?)<\/li>/g)].map((m) => m[1]!);
      expect(denials).toHaveLength(2);
      expect(denials[0]).toContain('<strong class="kind">Denied</strong>');
      expect(denials[0]).toContain('prod-account');
      expect(denials[0]).toContain('connection_not_in_role');
      expect(denials[1]).toContain('/admin/&lt;script&gt;');
      expect(denials[1]).toContain('path_not_allowed');
      expect(html).toMatch(/<li class="egress-allowed"[^>]*>.*GET.*\/health.*→ 200/s);
      expect(html).toContain('Showing the first 4,096 of 11,000 characters');
      expect(html.split('0123456789').length - 1).toBe(Math.floor(4096 / 11));
    });
  });
});

describe('a run’s live transcript stream', () => {
  it('replays a finished run’s events as rendered items with their seq as id, then `done` with the final summary, and ends', async () => {
    await withTestApp(async (t) => {
      const { browser, id } = await queuedRun(t);
      await writeTranscript(t, id);
      await finish(t, id, 'All good.');
      const raw = await (await openStream(t, browser, id)).text();
      // No raw newline inside a data field: each line of the HTML is its own `data:` line.
      expect(raw).toContain('\ndata: 0123456789\ndata: 0123456789\n');
      const all = await messages(new Response(raw));
      const events = all.filter((m) => m.event === 'event');
      expect(events.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
      for (const m of events) expect(m.data).toMatch(/^<li class="[^"]+" data-seq="\d+">[\s\S]*<\/li>$/);
      expect(events.filter((m) => m.data.includes('class="denied"'))).toHaveLength(2);
      // The hostile sandbox event stayed one escaped item: no event, id or tag of its own making.
      expect(all.filter((m) => m.event === 'done')).toHaveLength(1);
      expect(events[7]!.data).toContain('&lt;img src=x onerror=alert(1)&gt;');
      // The tool output's newlines travel as separate data lines, which the reader (like EventSource) joins again.
      expect(events.find((m) => m.data.includes('class="result"'))!.data).toContain('<pre tabindex="0">0123456789\n0123456789\n');
      expect(all.at(-1)).toMatchObject({ event: 'done' });
      const done = all.at(-1)!.data;
      expect(done).toMatch(/^<section id="run-summary" aria-label="Run summary" hx-swap-oob="true">/);
      expect(done).toContain('<div class="answer">All good.</div>');
      expect(done).not.toContain('Cancel run');
    });
  });

  it('resumes after Last-Event-ID, follows a live run and ends with `done` when it is cancelled', async () => {
    await withTestApp(async (t) => {
      const { browser, id } = await queuedRun(t);
      await writeTranscript(t, id); // seq 2..8 after the queued status (1)
      const res = await openStream(t, browser, id, '5');
      const reader = readSse(res.body!);
      const first = await reader.next();
      expect(first.value).toMatchObject({ event: 'event', id: '6' });
      expect((await reader.next()).value).toMatchObject({ event: 'event', id: '7' });
      expect((await reader.next()).value).toMatchObject({ event: 'event', id: '8' });
      // Still open: the run goes on. Cancel it through the API; its status event and `done` follow, then the end.
      expect((await t.request(`/v1/runs/${id}/cancel`, { method: 'POST', token: await t.tokenFor(alice) })).status).toBe(202);
      const rest = [];
      for (let m = await reader.next(); !m.done; m = await reader.next()) rest.push(m.value);
      expect(rest.map((m) => m.event)).toEqual(['event', 'done']);
      expect(rest[0]!.data).toContain('<span class="badge cancelled">cancelled</span>');
      expect(rest[1]!.data).toContain('<span class="badge cancelled">cancelled</span>');
    });
  });

  it('lets go of the API’s stream (and its slot) when the browser goes away', async () => {
    await withTestApp(
      async (t) => {
        const { browser, id } = await queuedRun(t);
        const res = await openStream(t, browser, id);
        const reader = readSse(res.body!);
        expect((await reader.next()).value).toMatchObject({ event: 'event', id: '1' });
        // One stream per user: a second is refused while the first is open.
        const second = await t.request(`/console/runs/${id}/stream`, { headers: { cookie: `remit_console=${browser.cookie}` } });
        expect(second.status).toBe(429);
        await reader.return(undefined);
        const deadline = Date.now() + 5000;
        let again: Response;
        for (;;) {
          again = await t.request(`/console/runs/${id}/stream`, { headers: { cookie: `remit_console=${browser.cookie}` } });
          if (again.status !== 429 || Date.now() > deadline) break;
          await again.body?.cancel();
          await new Promise((r) => setTimeout(r, 25));
        }
        expect(again.status).toBe(200);
        await again.body!.cancel();
      },
      { httpLimits: { streamsPerUser: 1 } },
    );
  });
});
