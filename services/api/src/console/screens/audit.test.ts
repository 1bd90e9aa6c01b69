import { appendAudit } from '@remit/audit';
import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };

/** The sequence numbers in the page's audit table, in the page's order. */
const seqs = (html: string) => [...html.matchAll(/<tr><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
/** The href of the pager link with this text, unescaped to a path the browser would follow. */
const link = (html: string, text: string) => new RegExp(`href="(/console/audit\\?[^"]+)">${text}</a>`).exec(html)?.[1]?.replaceAll('&amp;', '&');
const range = (from: number, to: number) => Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (from < to ? from + i : from - i));

/** `count` entries appended as the app would, in one transaction, an hour apart from 2025-01-01 00:00 UTC. */
async function appendMany(t: TestApp, count: number, action = (i: number) => `test.entry${i % 2 ? 'odd' : 'even'}`) {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    for (let i = 0; i < count; i++) {
      const record = { actorId: null, action: action(i), targetType: 'thing', targetId: `t-${i}`, outcome: i % 10 ? 'success' : 'denied' } as const;
      await appendAudit(sql, { ...record, detail: { i, note: 'a "quoted" <note> '.repeat(12) } }, { now: new Date(Date.UTC(2025, 0, 1, i)) });
    }
  });
}

describe('console: audit', () => {
  it('shows the log newest first, filtered by the API by action, target, outcome, actor and dates', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      await appendMany(t, 30); // seqs 1–30, 2025-01-01 00:00 to 2025-01-02 05:00
      expect((await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'developer', runKinds: ['troubleshoot'] } })).status).toBe(201);
      const browser = await consoleSignIn(t, admin);

      const all = await browser.get('/console/audit');
      expect(all.status).toBe(200);
      const html = await all.text();
      expect(seqs(html)).toEqual(range(32, 1)); // 32: this sign-in
      expect(html).toContain('<code>console.login</code>');
      expect(html).toContain('<code>role.create</code>');
      expect(html).toContain('&quot;name&quot;:&quot;developer&quot;');
      expect(html).toContain('<th scope="col">Outcome</th>');
      expect(html).toContain('<label for="audit-order">');
      expect(html).not.toMatch(/\sstyle=/);

      const page = async (query: string) => {
        const res = await browser.get(`/console/audit?${query}`);
        expect(res.status, query).toBe(200);
        return res.text();
      };
      const roles = await page('action=role.');
      expect(seqs(roles)).toEqual([31]);
      expect(roles).toContain('value="role."');
      expect(seqs(await page('action=role.create'))).toEqual([31]);
      expect(seqs(await page('action=test.entryodd'))).toEqual(range(30, 2).filter((s) => s % 2 === 0));
      expect(seqs(await page('action=test*&order=asc'))).toEqual(range(1, 30));

      expect(seqs(await page('outcome=denied&target=thing'))).toEqual([21, 11, 1]);
      expect(seqs(await page('outcome=denied%2Cerror'))).toEqual([21, 11, 1]);
      const one = await page('target=thing:t-13');
      expect(one).toContain('thing:t-13');
      expect(seqs(one)).toEqual([14]);
      // A row's target links to the entries about it, the other filters kept.
      expect(one).toContain('href="/console/audit?target=thing%3At-13"');

      // The role was created by the admin token's user: by id or by email, only their entries.
      const creator = ((await (await t.request('/v1/me', { token })).json()) as { userId: string }).userId;
      expect(seqs(await page(`actor=${creator}`))).toEqual([31]);
      expect(seqs(await page('actor=ADMIN%40example.com'))).toEqual([31]);
      expect(await page('actor=nobody%40example.com')).toContain('No entries match.');

      // Dates are UTC days, `to` inclusive: 2025-01-02 holds the entries from hour 24 on (seqs 25–30).
      expect(seqs(await page('from=2025-01-02&to=2025-01-02&target=thing'))).toEqual(range(30, 25));
      expect(seqs(await page('to=2025-01-01&order=asc'))).toEqual(range(1, 24));
      expect(await page('from=2999-01-01')).toContain('No entries match.');
    });
  });

  it('pages with the API’s cursor in either order, keeping the filters, one small page at a time', async () => {
    await withTestApp(async (t) => {
      await appendMany(t, 560, (i) => (i % 50 === 0 ? 'rare.event' : 'test.entry'));
      const browser = await consoleSignIn(t, admin);
      const newest = await (await browser.get('/console/audit')).text();
      expect(seqs(newest)).toEqual(range(561, 512)); // 561: this sign-in
      expect(newest.length).toBeLessThan(30_000); // with ~65 KB of scripts and styles, under 100 KB
      expect(newest).not.toContain('Newest entries');
      const older = await (await browser.get(link(newest, 'Older entries')!)).text();
      expect(seqs(older)).toEqual(range(511, 462));
      expect(link(older, 'Newest entries')).toBeUndefined(); // no filters: the first page is the bare path
      expect(older).toContain('href="/console/audit">Newest entries</a>');

      // Filtered by the API: every page is full of matches, however rare they are in the log.
      const rare = await (await browser.get('/console/audit?action=rare.event&order=asc')).text();
      expect(seqs(rare)).toEqual(range(0, 11).map((i) => 1 + 50 * i));
      expect(link(rare, 'Later entries')).toBeUndefined();
      const tests = await (await browser.get('/console/audit?action=test.')).text();
      expect(seqs(tests)).toHaveLength(50);
      const next = link(tests, 'Older entries')!;
      expect(next).toMatch(/^\/console\/audit\?action=test\.&cursor=[A-Za-z0-9_-]+$/);
      const second = await (await browser.get(next)).text();
      expect(seqs(second)).toHaveLength(50);
      expect(Math.max(...seqs(second))).toBeLessThan(Math.min(...seqs(tests)));
      expect(seqs(second).some((s) => s % 50 === 1)).toBe(false);

      // A forged cursor, or one from the other order, is the API's 400, shown with the filters.
      const bad = await browser.get('/console/audit?cursor=bm90LWEtY3Vyc29y');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('invalid_cursor');
      const otherOrder = await browser.get(`${next}&order=asc`);
      expect(otherOrder.status).toBe(400);
      const otherHtml = await otherOrder.text();
      expect(otherHtml).toContain('invalid_cursor');
      expect(otherHtml).toContain('value="test."');
    });
  });

  it('shows the API’s message for a bad filter next to the form, keeping what was typed', async () => {
    await withTestApp(async (t) => {
      await appendMany(t, 3);
      const browser = await consoleSignIn(t, admin);
      for (const [query, message, kept] of [
        ['actor=alice', 'actor: expected a user id (UUID) or an email.', 'value="alice"'],
        ['action=Role.Create', 'action: expected an action (role.create)', 'value="Role.Create"'],
        ['target=%3A', 'target: expected a target type', 'value=":"'],
        ['from=2025-13-45', 'since: expected an RFC 3339 time', 'value="2025-13-45"'],
        ['from=2025-02-01&to=2025-01-01', 'until: must be later than since.', 'value="2025-01-01"'],
      ]) {
        const res = await browser.get(`/console/audit?${query}`);
        expect(res.status, query).toBe(400);
        const html = await res.text();
        expect(html, query).toContain('validation_failed');
        expect(html, query).toContain(message);
        expect(html, query).toContain(kept);
        expect(seqs(html), query).toEqual([]);
        expect(html).toContain('<h2 id="verify-heading">');
      }
    });
  });

  it('verifies the chain, and says where it breaks when an entry was edited', async () => {
    await withTestApp(async (t) => {
      await appendMany(t, 5);
      const browser = await consoleSignIn(t, admin);
      const page = await (await browser.get('/console/audit')).text();
      expect(page).toContain('hx-get="/console/audit/verify"');

      const ok = await browser.get('/console/audit/verify', { htmx: true });
      expect(ok.status).toBe(200);
      const fragment = await ok.text();
      expect(fragment).toMatch(/The chain verifies: \d+ entries checked/);
      expect(fragment).not.toContain('<html');

      // As someone with the owner's credentials: the append-only trigger off, one detail edited.
      await t.db.owner(async (sql) => {
        await sql.query('alter table audit_events disable trigger user');
        await sql.query(`update audit_events set detail = '{"edited":true}'::jsonb where org_id = $1 and seq = 3`, [t.orgId]);
        await sql.query('alter table audit_events enable trigger user');
      });
      const broken = await browser.get('/console/audit/verify');
      expect(broken.status).toBe(200);
      const html = await broken.text();
      expect(html).toContain('<h1>Audit chain verification</h1>');
      expect(html).toContain('The chain breaks at entry #3: hash mismatch (row edited).');
      expect(html).toContain('The 2 entries before it verify');
    });
  });

  it('refuses a non-admin both pages, and shows no entry', async () => {
    await withTestApp(async (t) => {
      await appendMany(t, 3);
      const browser = await consoleSignIn(t, developer);
      for (const path of ['/console/audit', '/console/audit/verify', '/console/audit?action=test.', '/console/audit?order=asc&actor=dev%40example.com']) {
        const res = await browser.get(path);
        expect(res.status, path).toBe(403);
        expect(await res.text()).not.toContain('test.entry');
      }
      const htmx = await browser.get('/console/audit/verify', { htmx: true });
      expect(htmx.status).toBe(403);
      expect(await htmx.text()).not.toContain('chain');
    });
  });
});
