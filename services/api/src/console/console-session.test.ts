import { describe, expect, it } from 'vitest';
import { consoleSignIn, formBody, setCookieValue } from '../testing/console-browser.ts';
import { withTestApp } from '../testing/test-app.ts';
import { CONSOLE_CSP } from './security-headers.ts';

const developer = { email: 'dev@example.com', groups: ['developers'] };
const admin = { email: 'root@example.com', groups: ['remit-admins'] };

describe('console sessions', () => {
  it('signs in through the development login, with a session cookie no script can read', async () => {
    await withTestApp(async (t) => {
      const page = await t.request('/console/login');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      const html = await page.text();
      expect(html).toContain('Development login');
      // No inline script or style anywhere: every <script> has a src, and no element has a style attribute.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=/);

      const browser = await consoleSignIn(t, developer);
      const account = await browser.get('/console/account');
      expect(account.status).toBe(200);
      expect(await account.text()).toContain('dev@example.com');
      const audit = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
        sql.query<{ action: string; outcome: string }>(`select action, outcome from audit_events where action = 'console.login'`),
      );
      expect(audit.rows).toEqual([{ action: 'console.login', outcome: 'success' }]);
    });
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, scoped to /console, and Secure behind TLS', async () => {
    await withTestApp(
      async (t) => {
        const page = await t.request('/console/login');
        const res = await t.request('/console/login', {
          method: 'POST',
          headers: { cookie: `remit_console_login=${setCookieValue(page, 'remit_console_login')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody({ _csrf: /name="_csrf" value="([^"]*)"/.exec(await page.text())![1]!, email: 'a@example.com', groups: '' }),
        });
        const line = res.headers.getSetCookie().find((l) => l.startsWith('remit_console='))!;
        expect(line).toMatch(/; HttpOnly/);
        expect(line).toMatch(/; SameSite=Lax/);
        expect(line).toMatch(/; Path=\/console/);
        expect(line).toMatch(/; Secure/);
        // The cookie is a random id; the database keeps only its hash.
        const value = setCookieValue(res, 'remit_console')!;
        const rows = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query<{ id_hash: string }>('select id_hash from console_sessions'));
        expect(rows.rows.map((r) => r.id_hash)).not.toContain(value);
        expect(rows.rows).toHaveLength(1);
      },
      { publicUrl: 'https://remit.example.com' },
    );
  });

  it('refuses a development login posted without the login page’s token, or from another site', async () => {
    await withTestApp(async (t) => {
      const page = await t.request('/console/login');
      const cookie = setCookieValue(page, 'remit_console_login')!;
      const token = /name="_csrf" value="([^"]*)"/.exec(await page.text())![1]!;
      const attempts: { headers: Record<string, string>; form: Record<string, string> }[] = [
        { headers: {}, form: { _csrf: token } }, // no cookie
        { headers: { cookie: `remit_console_login=${cookie}` }, form: {} }, // no field
        { headers: { cookie: `remit_console_login=${cookie}` }, form: { _csrf: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` } }, // wrong field (its last character changed)
        { headers: { cookie: `remit_console_login=${cookie}`, origin: 'https://evil.example' }, form: { _csrf: token } },
        { headers: { cookie: `remit_console_login=${cookie}`, 'sec-fetch-site': 'cross-site' }, form: { _csrf: token } },
      ];
      for (const a of attempts) {
        const res = await t.request('/console/login', {
          method: 'POST',
          headers: { ...a.headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody({ ...a.form, email: 'mallory@example.com', groups: 'remit-admins' }),
        });
        expect(res.status).toBe(403);
        expect(await res.text()).toContain('csrf_rejected');
        expect(setCookieValue(res, 'remit_console')).toBeUndefined();
      }
      const sessions = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query('select 1 from console_sessions'));
      expect(sessions.rows).toHaveLength(0);
    });
  });

  it('sends a signed-out browser to the login page, and an htmx request there by HX-Redirect', async () => {
    await withTestApp(async (t) => {
      const res = await t.request('/console/runs?status=failed');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/console/login?next=${encodeURIComponent('/console/runs?status=failed')}`);
      const htmx = await t.request('/console/runs', { headers: { 'hx-request': 'true' } });
      expect(htmx.status).toBe(401);
      expect(htmx.headers.get('hx-redirect')).toMatch(/^\/console\/login\?next=/);
      // A forged or unknown cookie is no session.
      const forged = await t.request('/console/account', { headers: { cookie: 'remit_console=AAAA' } });
      expect(forged.status).toBe(302);
    });
  });

  it('never sends a signed-in browser off-site after login (open redirect)', async () => {
    await withTestApp(async (t) => {
      for (const next of [
        '//evil.example/',
        '/\\evil.example',
        'https://evil.example/console',
        '/console/../../x',
        '/console%2f%2fevil',
        'javascript:alert(1)',
      ]) {
        const page = await t.request(`/console/login?next=${encodeURIComponent(next)}`);
        const res = await t.request('/console/login', {
          method: 'POST',
          headers: { cookie: `remit_console_login=${setCookieValue(page, 'remit_console_login')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody({ _csrf: /name="_csrf" value="([^"]*)"/.exec(await page.text())![1]!, email: 'a@example.com', groups: '', next }),
        });
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/console');
      }
    });
  });

  it('refuses state changes without the session’s CSRF token, with a wrong one, or from another origin', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, developer);
      const attempts: { csrf?: string | false; headers?: Record<string, string> }[] = [
        { csrf: false },
        { csrf: 'x'.repeat(43) },
        { csrf: '' },
        { headers: { origin: 'https://evil.example' } },
        { headers: { 'sec-fetch-site': 'same-site' } },
      ];
      for (const init of attempts) {
        const res = await browser.post('/console/logout', {}, init);
        expect(res.status).toBe(403);
        expect(await res.text()).toContain('csrf_rejected');
      }
      // Still signed in: none of those logged the user out.
      expect((await browser.get('/console/account')).status).toBe(200);
      // Another session's token is no good either.
      const other = await consoleSignIn(t, admin);
      expect((await browser.post('/console/logout', {}, { csrf: other.csrf })).status).toBe(403);
      // The real token, in the form or as htmx's header, works.
      const out = await browser.post('/console/logout');
      expect(out.status).toBe(303);
      expect((await browser.get('/console/account')).status).toBe(302);
    });
  });

  it('does not let the session cookie authenticate the API, nor a bearer token the console', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, admin);
      const api = await t.request('/v1/me', { headers: { cookie: `remit_console=${browser.cookie}` } });
      expect(api.status).toBe(401);
      const console = await t.request('/console/account', { headers: { authorization: `Bearer ${await t.adminToken()}` } });
      expect(console.status).toBe(302);
    });
  });

  it('shows a non-admin a 403 page for admin screens, and refuses before reading anything', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, developer);
      for (const path of [
        '/console/roles',
        '/console/connections/new',
        '/console/audit',
        '/console/usage',
        '/console/sandboxes',
        '/console/health',
        '/console/reviews',
        '/console/bindings',
      ]) {
        const res = await browser.get(path);
        expect(res.status, path).toBe(403);
        const html = await res.text();
        expect(html).toContain('needs admin rights');
        expect(html).not.toContain('href="/console/roles"'); // no admin navigation either
      }
    });
  });

  it('ends an expired session', async () => {
    await withTestApp(async (t) => {
      const browser = await consoleSignIn(t, developer);
      await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) => sql.query(`update console_sessions set expires_at = now() - interval '1 second'`));
      expect((await browser.get('/console/account')).status).toBe(302);
    });
  });

  it('offers no development login when an identity provider is configured', async () => {
    await withTestApp(
      async (t) => {
        const page = await t.request('/console/login');
        expect(await page.text()).toContain('set REMIT_OIDC_CLIENT_ID');
        const res = await t.request('/console/login', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'email=a%40b.c',
        });
        expect(res.status).toBe(404);
      },
      { console: { login: { kind: 'unavailable', why: 'set REMIT_OIDC_CLIENT_ID to the console’s client id' } } },
    );
  });
});
