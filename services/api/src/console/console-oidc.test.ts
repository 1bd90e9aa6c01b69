import { describe, expect, it } from 'vitest';
import { setCookieValue } from '../testing/console-browser.ts';
import { withFakeOidcProvider, type FakeOidcProvider } from '../testing/fake-oidc-provider.ts';
import { withTestApp, type TestApp } from '../testing/test-app.ts';
import { createOidcLogin } from './oidc-login.ts';

const clientId = 'remit-console';
const clientSecret = 'console-secret-b7e1d0';
const redirectUri = 'http://localhost/console/auth/callback';
const ada = { sub: 'idp|ada', email: 'ada@example.test', groups: ['developers', 'remit-admins'] };

/** The console signing in through a fake IdP (named as one) with the real oauth4webapi client. */
function withOidcConsole<T>(fn: (t: TestApp, idp: FakeOidcProvider) => Promise<T>): Promise<T> {
  return withFakeOidcProvider({ clientId, clientSecret, redirectUri, user: ada }, (idp) =>
    withTestApp((t) => fn(t, idp), {
      console: {
        login: {
          kind: 'oidc',
          issuer: idp.issuer,
          oidc: createOidcLogin({
            issuer: idp.issuer,
            clientId,
            clientSecret,
            redirectUri,
            scopes: ['openid', 'email'],
            groupsClaim: 'groups',
            algorithm: 'RS256',
            allowLoopbackHttp: true,
          }),
        },
      },
    }),
  );
}

/** The browser's trip: start, the IdP (which sends it straight back), and the callback URL it lands on. */
async function toIdpAndBack(t: TestApp, next = '/console/account'): Promise<{ flowCookie: string; callback: string }> {
  const start = await t.request(`/console/auth/start?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(302);
  const flowCookie = setCookieValue(start, 'remit_console_oidc')!;
  const atIdp = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const back = new URL(atIdp.headers.get('location')!);
  return { flowCookie, callback: back.pathname + back.search };
}

describe('console sign-in through an OIDC provider', () => {
  it('signs in with the authorization-code flow and PKCE, as the ID token’s user and groups', async () => {
    await withOidcConsole(async (t, idp) => {
      const page = await t.request('/console/login');
      expect(await page.text()).toContain('Sign in with 127.0.0.1');
      const { flowCookie, callback } = await toIdpAndBack(t);
      const authorize = idp.requests.find((r) => r.path === '/authorize')!;
      expect(authorize.query['code_challenge_method']).toBe('S256');
      const done = await t.request(callback, { headers: { cookie: `remit_console_oidc=${flowCookie}` } });
      expect(done.status).toBe(302);
      expect(done.headers.get('location')).toBe('/console/account');
      const session = setCookieValue(done, 'remit_console')!;
      const account = await t.request('/console/account', { headers: { cookie: `remit_console=${session}` } });
      const html = await account.text();
      expect(html).toContain('ada@example.test');
      expect(html).toContain('(admin)');
    });
  });

  it('refuses a callback without this browser’s flow cookie, a replayed one, and one for another browser’s flow', async () => {
    await withOidcConsole(async (t) => {
      const mine = await toIdpAndBack(t);
      const theirs = await toIdpAndBack(t);
      // The attacker's callback (their code) delivered to a victim browser holding its own flow.
      const swapped = await t.request(theirs.callback, { headers: { cookie: `remit_console_oidc=${mine.flowCookie}` } });
      expect(swapped.status).toBe(400);
      expect(await swapped.text()).toContain('invalid_oauth_state');
      const noCookie = await t.request(mine.callback);
      expect(noCookie.status).toBe(400);
      // The victim's flow was spent by the refused attempt: it cannot be replayed either.
      const replay = await t.request(mine.callback, { headers: { cookie: `remit_console_oidc=${mine.flowCookie}` } });
      expect(replay.status).toBe(400);
      for (const res of [swapped, noCookie, replay]) expect(setCookieValue(res, 'remit_console')).toBeUndefined();
      const denied = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
        sql.query<{ n: number }>(`select count(*)::int as n from audit_events where action = 'console.login' and outcome = 'denied'`),
      );
      expect(denied.rows[0]!.n).toBe(3);
    });
  });

  it('shows the IdP’s refusal on the login page', async () => {
    await withOidcConsole(async (t, idp) => {
      idp.behaviour.authorizeError = 'access_denied';
      const { flowCookie, callback } = await toIdpAndBack(t);
      const res = await t.request(callback, { headers: { cookie: `remit_console_oidc=${flowCookie}` } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('oauth_provider_refused');
    });
  });
});
