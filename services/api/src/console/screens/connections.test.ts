import type { AuditEntry, Connection } from '@remit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSignIn, type ConsoleBrowser } from '../../testing/console-browser.ts';
import { startFakeTokenApi, type FakeTokenApi } from '../../testing/fake-token-api.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };
// Distinctive values, so that finding one anywhere in a page is certain to be a leak.
const TOKEN = 'planted-bearer-8f3a1c77e2';
const PASSWORD = 'planted-password-51d0c9aa';
const CLIENT_SECRET = 'planted-client-secret-c4e8b2';
const WRONG_TOKEN = 'planted-wrong-token-9b7e13';
const PLANTED = [TOKEN, PASSWORD, CLIENT_SECRET, WRONG_TOKEN];

let upstream: FakeTokenApi;
beforeAll(async () => {
  upstream = await startFakeTokenApi(TOKEN);
  upstream.accept.basic = `svc:${PASSWORD}`;
});
afterAll(() => upstream.close());

const loopback = '127.0.0.1/32';
const httpForm = (name: string, extra: Record<string, string> = {}) => ({
  type: 'http',
  name,
  description: 'Orders service',
  authMode: 'service_account',
  baseUrl: upstream.url,
  scheme: 'bearer',
  verifyPath: '/status',
  allowPrivateCidrs: loopback,
  'secret-token': TOKEN,
  ...extra,
});

/** Records every body the console sends, so one assertion at the end covers them all. */
function recording(browser: ConsoleBrowser) {
  const bodies: string[] = [];
  const keep = async (res: Response) => {
    const text = await res.clone().text();
    bodies.push(text, JSON.stringify([...res.headers]));
    return res;
  };
  return {
    bodies,
    get: async (path: string, init?: { htmx?: boolean }) => keep(await browser.get(path, init)),
    post: async (path: string, form?: Record<string, string | string[]>, init?: { htmx?: boolean; csrf?: false }) => keep(await browser.post(path, form, init)),
  };
}

const getConnection = async (t: TestApp, token: string, name: string) =>
  (await (await t.request(`/v1/admin/connections/${name}`, { token })).json()) as Connection;
const audit = async (t: TestApp, token: string) => ((await (await t.request('/v1/audit?limit=1000', { token })).json()) as { items: AuditEntry[] }).items;

describe('console: connections', () => {
  it('never sends a stored secret in any page or fragment: created, listed, edited, verified, refused', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      const b = recording(await consoleSignIn(t, admin));
      const created = [
        await b.post('/console/connections/new?type=http', httpForm('orders-api')),
        await b.post('/console/connections/new?type=http', {
          ...httpForm('billing-api', { scheme: 'basic', 'secret-username': 'svc', 'secret-password': PASSWORD }),
          'secret-token': '',
        }),
        await b.post('/console/connections/new?type=github', {
          type: 'github',
          name: 'source',
          authMode: 'service_account',
          apiUrl: upstream.url,
          githubAuth: 'token',
          allowPrivateCidrs: loopback,
          'secret-token': `${TOKEN}\n`,
        }),
        await b.post('/console/connections/new?type=http', {
          ...httpForm('tickets', { authMode: 'oauth_user', scheme: 'none' }),
          'secret-token': '',
          authorizeUrl: `${upstream.url}/authorize`,
          tokenUrl: `${upstream.url}/token`,
          clientId: 'remit-client',
          scopes: 'read write',
          'secret-clientSecret': CLIENT_SECRET,
        }),
      ];
      expect(created.map((r) => r.status)).toEqual([303, 303, 303, 303]);
      for (const name of ['orders-api', 'billing-api', 'source', 'tickets']) expect((await getConnection(t, token, name)).hasSecret).toBe(true);
      expect((await getConnection(t, token, 'tickets')).oauth).toMatchObject({ clientId: 'remit-client', scopes: ['read', 'write'] });

      const list = await b.get('/console/connections');
      expect(await list.text()).toContain('<th scope="col">Last verification</th>');
      for (const name of ['orders-api', 'billing-api', 'source', 'tickets']) {
        const edit = await (await b.get(`/console/connections/${name}/edit`)).text();
        expect(edit).toContain('placeholder="stored — leave empty to keep it"');
        expect((await b.post(`/console/connections/${name}/verify`, {}, { htmx: true })).status).toBe(200);
        expect((await b.post(`/console/connections/${name}/verify`)).status).toBe(303);
      }
      await b.get('/console/connections?verified=orders-api');

      // Refusals re-render the form from what was typed, but never the secrets typed.
      const refusals = [
        // A duplicate name, with a secret typed.
        { path: '/console/connections/new?type=http', form: httpForm('orders-api'), status: 409, code: 'already_exists' },
        // Moving where the stored token goes without giving it again.
        {
          path: '/console/connections/orders-api/edit',
          form: { ...httpForm('orders-api', { verifyPath: '/other' }), 'secret-token': '' },
          status: 422,
          code: 'secret_required_for_new_destination',
        },
        // A new token the upstream refuses.
        {
          path: '/console/connections/orders-api/edit',
          form: httpForm('orders-api', { 'secret-token': WRONG_TOKEN }),
          status: 422,
          code: 'connection_verification_failed',
        },
        // OAuth settings that fail validation, with the client secret typed again.
        {
          path: '/console/connections/tickets/edit',
          form: {
            ...httpForm('tickets', { authMode: 'oauth_user', scheme: 'none', 'secret-token': '' }),
            tokenUrl: 'not a url',
            'secret-clientSecret': CLIENT_SECRET,
          },
          status: 400,
          code: 'validation_failed',
        },
      ];
      for (const r of refusals) {
        for (const htmx of [false, true]) {
          const res = await b.post(r.path, r.form, { htmx });
          expect(res.status, r.code).toBe(r.status);
          const html = await res.text();
          expect(html).toContain(`<code>${r.code}</code>`);
          expect(html).toContain('Orders service'); // the non-secret input is kept
          for (const input of html.match(/<input[^>]*type="password"[^>]*>/g) ?? []) expect(input).toContain('value=""');
        }
      }
      // The refused new token was not saved: the stored one still verifies.
      expect((await t.request('/v1/admin/connections/orders-api/verify', { method: 'POST', token })).status).toBe(200);

      for (const body of b.bodies) for (const secret of PLANTED) expect(body).not.toContain(secret);
      // Nor the audit log.
      for (const secret of PLANTED) expect(JSON.stringify(await audit(t, token))).not.toContain(secret);
    });
  });

  it('lists type, auth mode, target and last verification; Verify passes, then fails with the reason once the token is rotated', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      const browser = await consoleSignIn(t, admin);
      expect((await browser.post('/console/connections/new?type=http', httpForm('orders-api'))).status).toBe(303);
      await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query('update connections set verified_at = null'));
      const html = await (await browser.get('/console/connections')).text();
      expect(html).toContain('HTTP API');
      expect(html).toContain('service account');
      expect(html).toContain(`<code>${upstream.url}</code>`);
      expect(html).toContain('never passed');

      const passed = await browser.post('/console/connections/orders-api/verify', {}, { htmx: true });
      expect(passed.status).toBe(200);
      const fragment = await passed.text();
      expect(fragment).toContain('orders-api passed its live check');
      expect(fragment).toMatch(/<template><td id="verified-orders-api" hx-swap-oob="true">/);
      expect((await getConnection(t, token, 'orders-api')).verifiedAt).not.toBeNull();

      upstream.accept.token = 'rotated';
      try {
        const failed = await browser.post('/console/connections/orders-api/verify', {}, { htmx: true });
        expect(failed.status).toBe(422);
        const message = await failed.text();
        expect(message).toContain('<code>connection_verification_failed</code>');
        expect(message).toContain('The credentials were rejected');
        const plain = await browser.post('/console/connections/orders-api/verify');
        expect(plain.status).toBe(422);
        expect(await plain.text()).toContain('<h1>Connections</h1>');
      } finally {
        upstream.accept.token = TOKEN;
      }
      const outcomes = (await audit(t, token)).filter((e) => e.action === 'connection.verify').map((e) => e.outcome);
      expect(outcomes).toEqual(['success', 'error', 'error']);
    });
  });

  it('shows each type’s fields; edits a description without a live check; deletes, refusing one a role uses', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      const browser = await consoleSignIn(t, admin);
      const github = await (await browser.get('/console/connections/new?type=github')).text();
      expect(github).toContain('<label for="conn-api-url">');
      expect(github).toContain('name="secret-privateKey"');
      const aws = await (await browser.get('/console/connections/new?type=aws')).text();
      expect(aws).toContain('<label for="conn-role-arn">');
      expect(aws).not.toContain('name="secret-token"');
      expect(await (await browser.get('/console/connections/new?type=nonsense')).text()).toContain('<label for="conn-base-url">');

      expect((await browser.post('/console/connections/new?type=http', httpForm('orders-api'))).status).toBe(303);
      const seen = upstream.seen.length;
      const edited = await browser.post('/console/connections/orders-api/edit', {
        ...httpForm('orders-api', { description: 'Orders, read-only' }),
        'secret-token': '',
      });
      expect(edited.status).toBe(303);
      expect(upstream.seen.length).toBe(seen);
      expect(await getConnection(t, token, 'orders-api')).toMatchObject({ description: 'Orders, read-only', hasSecret: true });

      await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'dev', connections: ['orders-api'], runKinds: ['troubleshoot'] } });
      const inUse = await browser.post('/console/connections/orders-api/delete', {}, { htmx: true });
      expect(inUse.status).toBe(409);
      expect(await inUse.text()).toContain('<code>in_use</code>');
      await t.request('/v1/admin/roles/dev', { method: 'DELETE', token });
      expect((await browser.post('/console/connections/orders-api/delete')).status).toBe(303);
      expect((await t.request('/v1/admin/connections/orders-api', { token })).status).toBe(404);
      const actions = (await audit(t, token)).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['connection.create', 'connection.update', 'connection.delete']));
    });
  });

  it('refuses forms without their CSRF token, and a non-admin, changing nothing', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      const browser = await consoleSignIn(t, admin);
      expect((await browser.post('/console/connections/new?type=http', httpForm('orders-api'))).status).toBe(303);
      const before = upstream.seen.length;
      expect((await browser.post('/console/connections/new?type=http', httpForm('other'), { csrf: false })).status).toBe(403);
      expect((await browser.post('/console/connections/orders-api/edit', httpForm('orders-api', { description: 'x' }), { csrf: false })).status).toBe(403);
      expect((await browser.post('/console/connections/orders-api/verify', {}, { csrf: false })).status).toBe(403);
      expect((await browser.post('/console/connections/orders-api/delete', {}, { csrf: false })).status).toBe(403);
      const dev = await consoleSignIn(t, developer);
      for (const path of ['/console/connections', '/console/connections/orders-api/edit']) {
        const res = await dev.get(path);
        expect(res.status).toBe(403);
        expect(await res.text()).not.toContain('orders-api');
      }
      expect((await dev.post('/console/connections/orders-api/verify')).status).toBe(403);
      expect((await dev.post('/console/connections/orders-api/delete')).status).toBe(403);
      expect(upstream.seen.length).toBe(before);
      expect(await getConnection(t, token, 'orders-api')).toMatchObject({ description: 'Orders service' });
      expect((await t.request('/v1/admin/connections/other', { token })).status).toBe(404);
    });
  });
});
