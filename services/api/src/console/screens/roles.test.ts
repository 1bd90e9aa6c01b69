import type { AuditEntry, Role } from '@remit/core';
import { createConnection } from '@remit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { startFakeTokenApi, type FakeTokenApi } from '../../testing/fake-token-api.ts';
import type { TestApp } from '../../testing/test-app.ts';
import { withTestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };
const TOKEN = 'roles-screen-upstream-token';

let upstream: FakeTokenApi;
beforeAll(async () => {
  upstream = await startFakeTokenApi(TOKEN);
});
afterAll(() => upstream.close());

async function seed(t: TestApp): Promise<string> {
  const token = await t.adminToken();
  for (const name of ['orders-api', 'billing-api']) {
    const res = await t.request('/v1/admin/connections', {
      method: 'POST',
      token,
      json: {
        name,
        type: 'http',
        config: { baseUrl: upstream.url, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
        secret: { token: TOKEN },
      },
    });
    expect(res.status).toBe(201);
  }
  const role = await t.request('/v1/admin/roles', {
    method: 'POST',
    token,
    json: {
      name: 'developer',
      description: 'Reads <b>logs</b>',
      connections: ['orders-api'],
      runKinds: ['troubleshoot', 'review'],
      limits: { maxDurationSeconds: 300, maxSteps: 12 },
    },
  });
  expect(role.status).toBe(201);
  return token;
}

const getRole = async (t: TestApp, token: string, name: string) => (await (await t.request(`/v1/admin/roles/${name}`, { token })).json()) as Role;
const auditActions = async (t: TestApp, token: string) =>
  ((await (await t.request('/v1/audit?limit=1000', { token })).json()) as { items: AuditEntry[] }).items.map((e) => e.action);

describe('console: roles', () => {
  it('lists roles with their run kinds, connections and limits, escaped', async () => {
    await withTestApp(async (t) => {
      await seed(t);
      const browser = await consoleSignIn(t, admin);
      const res = await browser.get('/console/roles');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<th scope="col">Run kinds</th>');
      expect(html).toContain('href="/console/roles/developer/edit"');
      expect(html).toContain('troubleshoot, review');
      expect(html).toContain('orders-api');
      expect(html).toContain('5 min 0 s, 12 steps');
      expect(html).toContain('Reads &lt;b&gt;logs&lt;/b&gt;');
      expect(html).not.toMatch(/\sstyle=/);
    });
  });

  it('creates a role from the form; the API has it and the audit log records it', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const form = await (await browser.get('/console/roles/new')).text();
      expect(form).toContain('<label for="role-name">');
      expect(form).toContain('value="billing-api"');
      expect(form).toContain('Max duration (seconds)');
      const res = await browser.post('/console/roles/new', {
        name: 'sre',
        description: 'On call',
        runKinds: ['troubleshoot', 'insight'],
        connections: ['orders-api', 'billing-api'],
        maxDurationSeconds: '600',
        maxSteps: '20',
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console/roles?saved=sre');
      expect(await (await browser.get('/console/roles?saved=sre')).text()).toContain('Saved the role sre.');
      expect(await getRole(t, token, 'sre')).toMatchObject({
        description: 'On call',
        runKinds: ['troubleshoot', 'insight'],
        connections: ['billing-api', 'orders-api'],
        limits: { maxDurationSeconds: 600, maxSteps: 20 },
      });
      expect(await auditActions(t, token)).toContain('role.create');
    });
  });

  it('edits a role (htmx): connections, run kinds, limits and description change through the API', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const form = await (await browser.get('/console/roles/developer/edit')).text();
      expect(form).toMatch(/id="role-connection-orders-api"[^>]*checked/);
      expect(form).toMatch(/name="name"[^>]*readonly/);
      const res = await browser.post(
        '/console/roles/developer/edit',
        { name: 'ignored', description: 'Now with billing', runKinds: ['insight'], connections: ['billing-api'], maxDurationSeconds: '120', maxSteps: '5' },
        { htmx: true },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('hx-redirect')).toBe('/console/roles?saved=developer');
      expect(await getRole(t, token, 'developer')).toMatchObject({
        description: 'Now with billing',
        runKinds: ['insight'],
        connections: ['billing-api'],
        limits: { maxDurationSeconds: 120, maxSteps: 5 },
      });
      const actions = await auditActions(t, token);
      expect(actions.filter((a) => a === 'role.update')).toHaveLength(1);
    });
  });

  it('shows the API’s refusals next to the form with the status and the input kept', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const cases: { form: Record<string, string | string[]>; status: number; code: string }[] = [
        { form: { name: 'developer', description: 'kept text', runKinds: 'troubleshoot' }, status: 409, code: 'already_exists' },
        { form: { name: 'Bad Name', description: 'kept text', runKinds: 'troubleshoot' }, status: 400, code: 'validation_failed' },
        { form: { name: '0b7c4f3e-1d2a-4b5c-8d9e-0f1a2b3c4d5e', description: 'kept text', runKinds: 'troubleshoot' }, status: 422, code: 'name_looks_like_id' },
        { form: { name: 'ops', description: 'kept text', runKinds: 'troubleshoot', connections: 'no-such-api' }, status: 422, code: 'unknown_reference' },
        { form: { name: 'ops', description: 'kept text', runKinds: [] }, status: 400, code: 'validation_failed' },
        { form: { name: 'ops', description: 'kept text', runKinds: 'troubleshoot', maxSteps: 'many' }, status: 400, code: 'validation_failed' },
      ];
      for (const { form, status, code } of cases) {
        const res = await browser.post('/console/roles/new', form);
        expect(res.status, code).toBe(status);
        const html = await res.text();
        expect(html).toContain(`<code>${code}</code>`);
        expect(html).toContain(`(HTTP ${status})`);
        expect(html).toContain('kept text');
        expect(html).toContain('<h1>New role</h1>');
      }
      // htmx gets only the form back, to swap in place.
      const fragment = await browser.post('/console/roles/new', cases[0]!.form, { htmx: true });
      expect(fragment.status).toBe(409);
      const html = await fragment.text();
      expect(html).toMatch(/^<section id="role-form">/);
      expect(html).toContain('already exists');
      expect(await auditActions(t, token)).not.toContain('role.update');
    });
  });

  it('deletes a role; one still bound is refused with the API’s in_use message', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
      const browser = await consoleSignIn(t, admin);
      const refused = await browser.post('/console/roles/developer/delete');
      expect(refused.status).toBe(409);
      const page = await refused.text();
      expect(page).toContain('<code>in_use</code>');
      expect(page).toContain('<h1>Roles</h1>');
      const htmx = await browser.post('/console/roles/developer/delete', {}, { htmx: true });
      expect(htmx.status).toBe(409);
      expect(await htmx.text()).toMatch(/^<div class="alert error" role="alert">/);

      await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'unused', runKinds: ['troubleshoot'] } });
      const ok = await browser.post('/console/roles/unused/delete');
      expect(ok.status).toBe(303);
      expect((await t.request('/v1/admin/roles/unused', { token })).status).toBe(404);
      expect(await auditActions(t, token)).toContain('role.delete');
    });
  });

  it('offers the first 200 connections as checkboxes, and a field for names past them', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      // Stored directly: 200 live checks through the API would only slow the test down.
      await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
        for (let i = 0; i < 200; i++) {
          const config = { baseUrl: 'https://api.example.com', auth: { scheme: 'none' as const }, verifyPath: '/', allowPrivateCidrs: [] };
          await createConnection(sql, { name: `api-${String(i).padStart(3, '0')}`, type: 'http', description: '', authMode: 'service_account', config });
        }
      });
      const browser = await consoleSignIn(t, admin);
      const res = await browser.get('/console/roles/new');
      const html = await res.text();
      expect(html.match(/type="checkbox" name="connections"/g)).toHaveLength(200);
      expect(html).not.toContain('value="orders-api"'); // past the first 200 by name
      expect(html).toContain('<label for="role-more-connections">');
      expect(html.length).toBeLessThan(100_000);
      const saved = await browser.post('/console/roles/new', {
        name: 'wide',
        runKinds: 'troubleshoot',
        connections: 'api-000',
        moreConnections: 'orders-api, billing-api',
      });
      expect(saved.status).toBe(303);
      expect((await getRole(t, token, 'wide')).connections).toEqual(['api-000', 'billing-api', 'orders-api']);
    });
  });

  it('refuses a form without its CSRF token, and a non-admin, changing nothing', async () => {
    await withTestApp(async (t) => {
      const token = await seed(t);
      const browser = await consoleSignIn(t, admin);
      const form = { name: 'sneaky', runKinds: 'troubleshoot' };
      expect((await browser.post('/console/roles/new', form, { csrf: false })).status).toBe(403);
      expect((await browser.post('/console/roles/developer/delete', {}, { csrf: false })).status).toBe(403);
      expect((await browser.post('/console/roles/developer/edit', { runKinds: 'insight' }, { csrf: false })).status).toBe(403);

      const dev = await consoleSignIn(t, developer);
      for (const path of ['/console/roles', '/console/roles/new', '/console/roles/developer/edit']) {
        const res = await dev.get(path);
        expect(res.status, path).toBe(403);
        expect(await res.text()).not.toContain('orders-api');
      }
      expect((await dev.post('/console/roles/new', form)).status).toBe(403);
      expect((await dev.post('/console/roles/developer/delete')).status).toBe(403);
      expect((await t.request('/v1/admin/roles/sneaky', { token })).status).toBe(404);
      expect((await t.request('/v1/admin/roles/developer', { token })).status).toBe(200);
    });
  });
});
