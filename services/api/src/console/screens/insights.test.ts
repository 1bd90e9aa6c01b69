import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { seedFindings } from '../../testing/insight-findings.ts';
import { withTestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };

describe('console: insights', () => {
  it('lists the findings queue with filters, and a finding’s page moves it along with its history', async () => {
    await withTestApp(async (t) => {
      const { findingIds, runId } = await seedFindings(t, ['high', 'low']);
      const [first, second] = findingIds as [string, string];
      const browser = await consoleSignIn(t, admin);

      const queue = await browser.get('/console/insights');
      expect(queue.status).toBe(200);
      const html = await queue.text();
      expect(html).toContain('href="/console/insights" aria-current="page"');
      expect(html).toContain(`<a href="/console/insights/findings/${first}">Card processor timeouts at p95 (1)</a>`);
      expect(html).toContain('<span class="badge bad">high</span>');
      expect(html).toContain('<span class="badge warn">new</span>');
      expect(html).not.toMatch(/\sstyle=/);
      const filtered = await (await browser.get('/console/insights?severity=low&status=new&job=nightly-reliability')).text();
      expect(filtered).toContain(second);
      expect(filtered).not.toContain(first);
      // A value the API would refuse is left out, not forwarded.
      expect((await browser.get('/console/insights?severity=catastrophic')).status).toBe(200);

      const page = await (await browser.get(`/console/insights/findings/${first}`)).text();
      expect(page).toContain('<h1>Card processor timeouts at p95 (1)</h1>');
      expect(page).toContain(`href="/console/runs/${runId}"`);
      expect(page).toContain('Transcript #4');
      expect(page).toContain('<blockquote>card-processor timed out after 3000 ms</blockquote>');
      expect(page).toContain('name="_csrf"');
      expect(page).toContain('<button type="submit" name="status" value="accepted">Accept</button>');
      expect(page).toContain('<button type="submit" name="status" value="dismissed">Dismiss</button>');
      expect(page).not.toContain('value="done"');

      const accepted = await browser.post(`/console/insights/findings/${first}/status`, { status: 'accepted', note: 'Fix <b>planned</b>' });
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get('location')).toBe(`/console/insights/findings/${first}`);
      const after = await (await browser.get(`/console/insights/findings/${first}`)).text();
      expect(after).toContain('<span class="badge ok">accepted</span>');
      expect(after).toContain('<td>new → accepted</td>');
      expect(after).toContain('<td>root@example.com</td>');
      expect(after).toContain('Fix &lt;b&gt;planned&lt;/b&gt;');
      expect(after).toContain('value="done">Mark done</button>');

      // A move the status does not allow shows the API's refusal on the page, and changes nothing.
      const refused = await browser.post(`/console/insights/findings/${second}/status`, { status: 'done' });
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain('<code>invalid_transition</code>');
      const api = await t.request(`/v1/insights/findings/${second}`, { token: await t.adminToken() });
      expect(((await api.json()) as { status: string }).status).toBe('new');
    });
  });

  it('lists the insight jobs with their schedule and next run', async () => {
    await withTestApp(async (t) => {
      await seedFindings(t);
      const browser = await consoleSignIn(t, admin);
      const res = await browser.get('/console/insights/jobs');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<a href="/console/insights?job=nightly-reliability">nightly-reliability</a>');
      expect(html).toContain('<code>0 2 * * *</code> UTC');
      expect(html).toContain('<span class="badge ok">enabled</span>');
    });
  });

  it('refuses a non-admin every insights page and move, and a move without the session’s CSRF token', async () => {
    await withTestApp(async (t) => {
      const { findingIds } = await seedFindings(t);
      const id = findingIds[0]!;
      const dev = await consoleSignIn(t, developer);
      expect((await dev.get('/console/runs')).status).toBe(200);
      expect(await (await dev.get('/console/runs')).text()).not.toContain('/console/insights');
      for (const path of ['/console/insights', '/console/insights/jobs', `/console/insights/findings/${id}`])
        expect((await dev.get(path)).status, path).toBe(403);
      expect((await dev.post(`/console/insights/findings/${id}/status`, { status: 'dismissed' })).status).toBe(403);

      const root = await consoleSignIn(t, admin);
      expect((await root.post(`/console/insights/findings/${id}/status`, { status: 'dismissed' }, { csrf: false })).status).toBe(403);
      const api = await t.request(`/v1/insights/findings/${id}`, { token: await t.adminToken() });
      expect(((await api.json()) as { status: string; history: unknown[] }).history).toHaveLength(1);
    });
  });
});
