import { appendAudit } from '@remit/audit';
import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };

/** The sequence numbers in the page's audit table. */
const seqs = (html: string) => [...html.matchAll(/<tr><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));

/** `count` entries appended as the app would, in one transaction. */
async function appendMany(t: TestApp, count: number, action = (i: number) => `test.entry${i % 2 ? 'odd' : 'even'}`) {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    for (let i = 0; i < count; i++) {
      await appendAudit(sql, {
        actorId: null,
        action: action(i),
        targetType: 'thing',
        targetId: `t-${i}`,
        outcome: i % 10 ? 'success' : 'denied',
        detail: { i, note: 'a "quoted" <note> '.repeat(12) },
      });
    }
  });
}

describe('console: audit', () => {
  it('shows the log as the API lists it, and filters by action, target, outcome and actor', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      expect((await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'developer', runKinds: ['troubleshoot'] } })).status).toBe(201);
      await appendMany(t, 20);
      const browser = await consoleSignIn(t, admin);

      const all = await browser.get('/console/audit');
      expect(all.status).toBe(200);
      const html = await all.text();
      expect(html).toContain('<code>role.create</code>');
      expect(html).toContain('&quot;name&quot;:&quot;developer&quot;');
      expect(html).toContain('<th scope="col">Outcome</th>');
      expect(html).not.toMatch(/\sstyle=/);

      const roles = await (await browser.get('/console/audit?action=role.')).text();
      expect(roles).toContain('<code>role.create</code>');
      expect(roles).not.toContain('test.entry');
      expect(roles).toContain('value="role."');

      const denied = await (await browser.get('/console/audit?outcome=denied&target=thing:')).text();
      expect(seqs(denied)).toHaveLength(2); // entries 0 and 10 of the 20
      expect(denied).toContain('2 of');

      const one = await (await browser.get('/console/audit?target=thing:t-13')).text();
      expect(one).toContain('thing:t-13');
      expect(seqs(one)).toHaveLength(1);

      // The role was created by the admin token's user: filtering by that id keeps only their entries.
      const entries = ((await (await t.request('/v1/audit?limit=1000', { token })).json()) as { items: { action: string; actorId: string | null }[] }).items;
      const creator = entries.find((e) => e.action === 'role.create')!.actorId!;
      const mine = await (await browser.get(`/console/audit?actor=${creator.slice(0, 8)}`)).text();
      expect(mine).toContain('<code>role.create</code>');
      expect(mine).not.toContain('test.entry');

      const future = await (await browser.get('/console/audit?from=2999-01-01')).text();
      expect(future).toContain('No entry on this page matches.');
    });
  });

  it('pages with the API’s cursor, keeping the filters, and shows a page small enough to load fast', async () => {
    await withTestApp(async (t) => {
      await appendMany(t, 560, (i) => (i % 50 === 0 ? 'rare.event' : 'test.entry'));
      const browser = await consoleSignIn(t, admin);
      const plain = await (await browser.get('/console/audit')).text();
      expect(seqs(plain)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(plain.length).toBeLessThan(30_000); // with ~65 KB of scripts and styles, under 100 KB
      const plainNext = /href="(\/console\/audit\?cursor=[A-Za-z0-9_-]+)">Next entries/.exec(plain)?.[1];
      expect(seqs(await (await browser.get(plainNext!)).text())[0]).toBe(51);

      // Filtered, 500 entries are searched per page: the rare ones among them all show.
      const first = await (await browser.get('/console/audit?action=rare')).text();
      expect(seqs(first)).toEqual([1, 51, 101, 151, 201, 251, 301, 351, 401, 451]);
      const next = /href="(\/console\/audit\?action=rare&amp;cursor=[A-Za-z0-9_-]+)">Search the next entries/.exec(first)?.[1];
      expect(next).toBeDefined();
      const second = await (await browser.get(next!.replaceAll('&amp;', '&'))).text();
      expect(seqs(second)).toEqual([501, 551]);
      expect(second).toContain('First entries');

      // More matches than a page shows: the first 50, and a way to narrow them.
      const many = await (await browser.get('/console/audit?action=test')).text();
      expect(seqs(many)).toHaveLength(50);
      expect(many).toContain('Only the first 50 matches are shown');
      // A forged cursor is the API's 400, shown as a page.
      const bad = await browser.get('/console/audit?cursor=bm90LWEtY3Vyc29y');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('invalid_cursor');
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
      for (const path of ['/console/audit', '/console/audit/verify', '/console/audit?action=test']) {
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
