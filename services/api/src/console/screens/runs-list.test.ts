import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const alice = { email: 'alice@example.com', groups: ['developers'] };
const bob = { email: 'bob@example.com', groups: ['developers'] };
const admin = { email: 'root@example.com', groups: ['remit-admins'] };

/** A developer role for the developers group (and an sre role for sres), both allowing troubleshooting. */
async function seedRoles(t: TestApp): Promise<void> {
  const token = await t.adminToken();
  for (const [name, group] of [
    ['developer', 'developers'],
    ['sre', 'sres'],
  ] as const) {
    expect((await t.request('/v1/admin/roles', { method: 'POST', token, json: { name, runKinds: ['troubleshoot'] } })).status).toBe(201);
    expect((await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: name, subject: { kind: 'group', group } } })).status).toBe(201);
  }
}

/** Starts a run through the console form and returns its id (from the redirect to its page). */
async function startThroughConsole(browser: Awaited<ReturnType<typeof consoleSignIn>>, input: string, role?: string): Promise<string> {
  const res = await browser.post('/console/runs', { input, ...(role ? { role } : {}) });
  expect(res.status, await res.clone().text()).toBe(303);
  const id = /^\/console\/runs\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1];
  expect(id).toBeDefined();
  return id!;
}

const rowsOf = (html: string) => [...html.matchAll(/<a href="\/console\/runs\/([0-9a-f-]{36})">/g)].map((m) => m[1]);

describe('runs list and starting a run', () => {
  it('a run started through the console is queued by the API, listed, and has its page', async () => {
    await withTestApp(async (t) => {
      await seedRoles(t);
      const browser = await consoleSignIn(t, alice);
      const form = await browser.get('/console/runs/new');
      expect(form.status).toBe(200);
      const formHtml = await form.text();
      expect(formHtml).toContain('<label for="run-input">Question</label>');
      expect(formHtml).toContain('Runs as your role <strong>developer</strong>');
      expect(formHtml).not.toContain('name="role"'); // one role: nothing to choose

      const id = await startThroughConsole(browser, 'Why is checkout returning 500s?');
      const run = (await (await t.request(`/v1/runs/${id}`, { token: await t.tokenFor(alice) })).json()) as Record<string, unknown>;
      expect(run).toMatchObject({
        kind: 'troubleshoot',
        role: 'developer',
        status: 'queued',
        input: 'Why is checkout returning 500s?',
        userEmail: alice.email,
      });

      const list = await (await browser.get('/console/runs')).text();
      expect(rowsOf(list)).toEqual([id]);
      expect(list).toContain('Why is checkout returning 500s?');
      expect(list).toContain('<th scope="col">Status</th>');
      expect(list).toContain('href="/console/runs/new"');
      expect(list).not.toContain('name="user"'); // the user filter is for admins

      const page = await browser.get(`/console/runs/${id}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Why is checkout returning 500s?');
      expect(html).toContain('<span class="badge queued">queued</span>');
      expect(html).toContain(`sse-connect="/console/runs/${id}/stream"`);
      expect(html).toContain('Cancel run');
    });
  });

  it('refuses a start posted without its CSRF token, and starts nothing', async () => {
    await withTestApp(async (t) => {
      await seedRoles(t);
      const browser = await consoleSignIn(t, alice);
      const res = await browser.post('/console/runs', { input: 'why?' }, { csrf: false });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('csrf_rejected');
      const runs = (await (await t.request('/v1/runs', { token: await t.adminToken() })).json()) as { items: unknown[] };
      expect(runs.items).toEqual([]);
    });
  });

  it('shows the API’s refusal next to the form, with the API’s status and the text as typed', async () => {
    await withTestApp(async (t) => {
      await seedRoles(t);
      // No role at all.
      const loner = await consoleSignIn(t, { email: 'loner@example.com', groups: [] });
      expect(await (await loner.get('/console/runs/new')).text()).toContain('You hold no role yet');
      const refused = await loner.post('/console/runs', { input: 'Is <b>prod</b> "down"?' });
      expect(refused.status).toBe(403);
      const refusedHtml = await refused.text();
      expect(refusedHtml).toContain('no_role');
      expect(refusedHtml).toContain('Is &lt;b&gt;prod&lt;/b&gt; &quot;down&quot;?</textarea>');

      // Two roles that both allow troubleshooting: the API wants one named; the form offers both.
      const both = await consoleSignIn(t, { email: 'both@example.com', groups: ['developers', 'sres'] });
      const form = await (await both.get('/console/runs/new')).text();
      expect(form).toContain('<option value="developer">developer</option>');
      expect(form).toContain('<option value="sre">sre</option>');
      const ambiguous = await both.post('/console/runs', { input: 'which role?' });
      expect(ambiguous.status).toBe(400);
      expect(await ambiguous.text()).toContain('role_required');
      const chosen = await startThroughConsole(both, 'which role?', 'sre');
      const run = (await (await t.request(`/v1/runs/${chosen}`, { token: await t.adminToken() })).json()) as { role: string };
      expect(run.role).toBe('sre');

      // Empty input: the API's validation message, and the role kept as chosen.
      const empty = await both.post('/console/runs', { input: '   ', role: 'sre' });
      expect(empty.status).toBe(400);
      const emptyHtml = await empty.text();
      expect(emptyHtml).toContain('role="alert"');
      expect(emptyHtml).toContain('<option value="sre" selected="">sre</option>');
    });
  });

  it('filters by status and kind through the API, and pages with the filters kept', async () => {
    await withTestApp(async (t) => {
      await seedRoles(t);
      const browser = await consoleSignIn(t, alice);
      const kept = await startThroughConsole(browser, 'first');
      const cancelled = await startThroughConsole(browser, 'second');
      expect((await browser.post(`/console/runs/${cancelled}/cancel`)).status).toBe(303);

      expect(rowsOf(await (await browser.get('/console/runs?status=cancelled')).text())).toEqual([cancelled]);
      expect(rowsOf(await (await browser.get('/console/runs?status=queued&kind=troubleshoot')).text())).toEqual([kept]);
      const none = await (await browser.get('/console/runs?kind=review')).text();
      expect(rowsOf(none)).toEqual([]);
      expect(none).toContain('No runs match.');
      expect(none).toContain('<option value="review" selected="">review</option>');

      // A filter the API refuses is its 400 and message, above the form, not a 500.
      const bad = await browser.get('/console/runs?status=sleeping');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('role="alert"');

      // 55 failed runs: a first page of 50, and a next page that keeps the filter.
      const me = (await (await t.request('/v1/me', { token: await t.tokenFor(alice) })).json()) as { userId: string };
      await t.db.owner((sql) =>
        sql.query(
          `insert into runs (org_id, kind, role_id, user_id, trigger, input, status, created_at)
           select $1, 'troubleshoot', r.id, $2, '{}', 'old ' || n, 'failed', now() - make_interval(mins => n) from roles r, generate_series(1, 55) n
            where r.name = 'developer'`,
          [t.orgId, me.userId],
        ),
      );
      const first = await (await browser.get('/console/runs?status=failed')).text();
      expect(rowsOf(first)).toHaveLength(50);
      const next = /<a href="([^"]+)">Next page<\/a>/.exec(first)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toMatch(/^\/console\/runs\?status=failed&cursor=/);
      const second = await (await browser.get(next!)).text();
      expect(rowsOf(second)).toHaveLength(5);
      expect(second).not.toContain('Next page');
      expect(second).toContain('First page');
    });
  });

  it('shows a developer only their own runs, and another’s run is the API’s 404; an admin sees all and may filter by user', async () => {
    await withTestApp(async (t) => {
      await seedRoles(t);
      const alices = await startThroughConsole(await consoleSignIn(t, alice), 'alice asks');
      const bobBrowser = await consoleSignIn(t, bob);
      const bobs = await startThroughConsole(bobBrowser, 'bob asks');

      expect(rowsOf(await (await bobBrowser.get('/console/runs')).text())).toEqual([bobs]);
      // Bob asking for alice's runs by filter gets nothing more: the user filter is an admin's.
      expect(rowsOf(await (await bobBrowser.get(`/console/runs?user=${alice.email}`)).text())).toEqual([bobs]);
      for (const path of [`/console/runs/${alices}`, `/console/runs/${alices}/stream`]) {
        const res = await bobBrowser.get(path);
        expect(res.status, path).toBe(404);
        expect(await res.text()).not.toContain('alice asks');
      }
      const cancel = await bobBrowser.post(`/console/runs/${alices}/cancel`);
      expect(cancel.status).toBe(404);
      const run = (await (await t.request(`/v1/runs/${alices}`, { token: await t.adminToken() })).json()) as { status: string };
      expect(run.status).toBe('queued');

      const root = await consoleSignIn(t, admin);
      const all = await (await root.get('/console/runs')).text();
      expect(rowsOf(all)).toEqual([bobs, alices]);
      expect(all).toContain('name="user"');
      expect(rowsOf(await (await root.get(`/console/runs?user=${encodeURIComponent(alice.email)}`)).text())).toEqual([alices]);
      expect((await root.get(`/console/runs/${alices}`)).status).toBe(200);
    });
  });
});
