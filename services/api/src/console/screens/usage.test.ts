import type { AuditEntry } from '@remit/core';
import { reserveModelCall, settleModelCall } from '@remit/db';
import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };
const DAY = 86_400_000;

interface Budget {
  scope: string;
  role: string | null;
  monthlyCapUsd: number;
}

/** A developer role, alice bound to it through her group, and her user id. */
async function seedPeople(t: TestApp): Promise<{ roleId: string; userId: string }> {
  const token = await t.adminToken();
  const role = await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  expect(role.status).toBe(201);
  await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  const me = (await (await t.request('/v1/me', { token: await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] }) })).json()) as {
    userId: string;
  };
  const roleId = (await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query<{ id: string }>(`select id from roles where name = 'developer'`)))
    .rows[0]!.id;
  return { roleId, userId: me.userId };
}

/** A model call metered as runs meter them: reserved, then settled with its usage. */
async function meteredCall(t: TestApp, call: { model: string; costUsd: number; at?: Date; roleId?: string; userId?: string }) {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    const { callId } = await reserveModelCall(sql, {
      runId: null,
      roleId: call.roleId ?? null,
      userId: call.userId ?? null,
      model: call.model,
      estimateUsd: call.costUsd,
      at: call.at ?? new Date(),
    });
    await settleModelCall(sql, callId, {
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 5,
      cacheWriteTokens: 7,
      costUsd: call.costUsd,
      latencyMs: 900,
    });
    if (call.at) await sql.query('update model_calls set at = $2 where id = $1', [callId, call.at]);
  });
}

const budgets = async (t: TestApp) =>
  ((await (await t.request('/v1/admin/budgets', { token: await t.adminToken() })).json()) as { items: Budget[] }).items.map((b) => ({
    scope: b.scope,
    role: b.role,
    monthlyCapUsd: b.monthlyCapUsd,
  }));
const auditActions = async (t: TestApp) =>
  ((await (await t.request('/v1/audit?limit=1000', { token: await t.adminToken() })).json()) as { items: AuditEntry[] }).items.map((e) => e.action);

describe('console: usage', () => {
  it('shows settled usage by role, user or model, with a chart, and links between the groupings', async () => {
    await withTestApp(async (t) => {
      const { roleId, userId } = await seedPeople(t);
      await meteredCall(t, { model: 'claude-sonnet', costUsd: 1.25, roleId, userId });
      await meteredCall(t, { model: 'claude-sonnet', costUsd: 0.75, roleId, userId });
      await meteredCall(t, { model: 'gpt-<b>oss</b>', costUsd: 0.005 });
      const browser = await consoleSignIn(t, admin);
      const res = await browser.get('/console/usage');
      expect(res.status).toBe(200);
      const byRole = await res.text();
      for (const heading of ['By role', 'Budgets']) expect(byRole).toContain(`>${heading}</h2>`);
      expect(byRole).toContain('<td>developer</td>');
      expect(byRole).toContain('<td>(no role)</td>');
      expect(byRole).toContain('<td class="num">$2.00</td>');
      expect(byRole).toContain('<td class="num">2,400</td>'); // two calls' input tokens
      expect(byRole).toContain('<a href="/console/usage?period=month&amp;by=role" aria-current="page">By role</a>');
      expect(byRole.match(/<svg class="chart" role="img"/g)).toHaveLength(1);
      expect(byRole).toContain('<title>developer: $2.00</title>');
      expect(byRole).not.toMatch(/\sstyle=/);

      const byUser = await (await browser.get('/console/usage?period=month&by=user')).text();
      expect(byUser).toContain('<td>alice@example.com</td>');
      expect(byUser).toContain('<td>(no user)</td>');

      const byModel = await (await browser.get('/console/usage?period=month&by=model')).text();
      expect(byModel).toContain('<td>claude-sonnet</td>');
      expect(byModel).toContain('<td>gpt-&lt;b&gt;oss&lt;/b&gt;</td>');
      expect(byModel).toContain('<td class="num">$0.0050</td>');
      expect(byModel).toContain('<title>claude-sonnet: $2.00</title>');
    });
  });

  it('sums the period asked for: last 7 or 30 days, or from–to dates', async () => {
    await withTestApp(async (t) => {
      await meteredCall(t, { model: 'recent-model', costUsd: 1 });
      await meteredCall(t, { model: 'older-model', costUsd: 2, at: new Date(Date.now() - 10 * DAY) });
      const browser = await consoleSignIn(t, admin);
      const week = await (await browser.get('/console/usage?period=7d&by=model')).text();
      expect(week).toContain('<td>recent-model</td>');
      expect(week).not.toContain('<td>older-model</td>');
      expect(week).toContain('<option value="7d" selected="">Last 7 days</option>');
      const month = await (await browser.get('/console/usage?period=30d&by=model')).text();
      expect(month).toContain('<td>older-model</td>');
      const day = new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10);
      const custom = await (await browser.get(`/console/usage?period=custom&from=${day}&to=${day}&by=model`)).text();
      expect(custom).toContain('<td>older-model</td>');
      expect(custom).not.toContain('<td>recent-model</td>');
      expect(custom).toContain(`value="${day}"`);
    });
  });

  it('shows the API’s refusal of a bad period next to the form', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, admin);
      const backwards = await browser.get('/console/usage?period=custom&from=2025-03-10&to=2025-03-01');
      expect(backwards.status).toBe(400);
      const html = await backwards.text();
      expect(html).toContain('from: must be before to.');
      expect(html).toContain('value="2025-03-10"');
      const garbage = await browser.get('/console/usage?period=custom&from=yesterday');
      expect(garbage.status).toBe(400);
      expect(await garbage.text()).toContain('validation_failed');
    });
  });

  it('pages with the API’s cursor, in the window of the first page', async () => {
    await withTestApp(async (t) => {
      for (let i = 0; i < 53; i++) await meteredCall(t, { model: `model-${String(i).padStart(2, '0')}`, costUsd: 100 - i });
      const browser = await consoleSignIn(t, admin);
      const first = await (await browser.get('/console/usage?period=7d&by=model')).text();
      expect(first).toContain('<td>model-49</td>');
      expect(first).not.toContain('<td>model-50</td>');
      expect(first).toContain('Cost by model, the 10 highest on this page');
      const next = /href="(\/console\/usage\?period=7d&amp;by=model&amp;cursor=[A-Za-z0-9_-]+)">Next page/.exec(first)?.[1];
      expect(next).toBeDefined();
      const rest = await browser.get(next!.replaceAll('&amp;', '&'));
      expect(rest.status).toBe(200);
      const html = await rest.text();
      expect(html).toContain('<td>model-50</td>');
      expect(html).toContain('<td>model-52</td>');
      expect(html).not.toContain('<td>model-49</td>');
      expect(html).toContain('First page');
    });
  });
});

describe('console: budgets', () => {
  it('creates, changes and deletes budgets through the API, audited', async () => {
    await withTestApp(async (t) => {
      await seedPeople(t);
      const browser = await consoleSignIn(t, admin);
      const created = await browser.post('/console/usage/budgets', { form: 'create', scope: 'role', role: 'developer', monthlyCapUsd: '50' });
      expect(created.status).toBe(303);
      expect(created.headers.get('location')).toBe('/console/usage#budgets');
      expect(await budgets(t)).toEqual([{ scope: 'role', role: 'developer', monthlyCapUsd: 50 }]);

      const org = await browser.post('/console/usage/budgets', { form: 'create', scope: 'org', role: '', monthlyCapUsd: '100.5' }, { htmx: true });
      expect(org.status).toBe(200);
      const fragment = await org.text();
      expect(fragment).toMatch(/^<section id="budgets"/);
      expect(fragment).toContain('The budget of the org is now $100.50 a month.');

      const page = await (await browser.get('/console/usage')).text();
      expect(page).toContain('<label for="cap-role-developer">');
      expect(page).toContain('hx-confirm="Delete the budget of role developer? Its spending is then not capped."');

      await browser.post('/console/usage/budgets', { form: 'edit', scope: 'role', role: 'developer', monthlyCapUsd: '75' }, { htmx: true });
      expect(await budgets(t)).toContainEqual({ scope: 'role', role: 'developer', monthlyCapUsd: 75 });

      const deleted = await browser.post('/console/usage/budgets/delete', { scope: 'role', role: 'developer' }, { htmx: true });
      expect(deleted.status).toBe(200);
      expect(await deleted.text()).toContain('Deleted the budget of role developer');
      expect(await budgets(t)).toEqual([{ scope: 'org', role: null, monthlyCapUsd: 100.5 }]);
      const actions = await auditActions(t);
      expect(actions.filter((a) => a === 'budget.set')).toHaveLength(3);
      expect(actions).toContain('budget.delete');
    });
  });

  it('shows the API’s refusal next to the form, with what was typed', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, admin);
      const unknown = await browser.post('/console/usage/budgets', { form: 'create', scope: 'role', role: 'nope', monthlyCapUsd: '5' }, { htmx: true });
      expect(unknown.status).toBe(422);
      const fragment = await unknown.text();
      expect(fragment).toContain('No role named &quot;nope&quot;.');
      expect(fragment).toContain('name="role" value="nope"');

      const plain = await browser.post('/console/usage/budgets', { form: 'create', scope: 'role', role: 'developer', monthlyCapUsd: 'lots' });
      expect(plain.status).toBe(400);
      const html = await plain.text();
      expect(html).toContain('<h1>Usage and budgets</h1>');
      expect(html).toContain('monthlyCapUsd');
      expect(html).toContain('value="lots"');

      const negative = await browser.post('/console/usage/budgets', { form: 'create', scope: 'org', role: '', monthlyCapUsd: '-1' }, { htmx: true });
      expect(negative.status).toBe(400);
      expect(await budgets(t)).toEqual([]);
    });
  });

  it('refuses budget forms without the CSRF token, and every usage page and form to a non-admin', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, admin);
      const form = { form: 'create', scope: 'org', role: '', monthlyCapUsd: '10' };
      for (const path of ['/console/usage/budgets', '/console/usage/budgets/delete']) {
        const res = await browser.post(path, form, { csrf: false });
        expect(res.status, path).toBe(403);
        expect(await res.text()).toContain('csrf_rejected');
      }
      expect(await budgets(t)).toEqual([]);

      const dev = await consoleSignIn(t, developer);
      expect((await dev.get('/console/usage')).status).toBe(403);
      expect((await dev.get('/console/usage?by=model')).status).toBe(403);
      const posted = await dev.post('/console/usage/budgets', form);
      expect(posted.status).toBe(403);
      expect(await posted.text()).toContain('needs admin rights');
      expect(await budgets(t)).toEqual([]);
    });
  });
});
