import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { errorOf, withTestApp, type TestApp } from '@remit/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRunStack, type RunStack } from './support/run-stack.ts';

const CLIENT_SECRET = 'cs-9f8e7d6c5b4a';
const REMIT = 'http://remit.test';
const CALLBACK = `${REMIT}/v1/oauth/tickets/callback`;

/** A fake OAuth provider and API on loopback: it issues per-user tokens and tells who a token belongs to. */
class FakeProvider {
  server!: Server;
  url = '';
  readonly pending = new Map<string, { challenge: string; user: string }>();
  readonly tokenCalls: Record<string, string>[] = [];
  /** Every request that carried an Authorization header, as path and header. */
  readonly bearers: { path: string; authorization: string }[] = [];
  private issued = 0;
  private codes = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.headers.authorization) this.bearers.push({ path: url.pathname, authorization: req.headers.authorization });
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && url.pathname === '/token') {
        let raw = '';
        req.on('data', (d) => (raw += d));
        req.on('end', () => {
          const form = Object.fromEntries(new URLSearchParams(raw));
          this.tokenCalls.push(form);
          if (form.client_id !== 'remit' || form.client_secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client' });
          let user: string | undefined;
          if (form.grant_type === 'authorization_code') {
            const p = this.pending.get(form.code ?? '');
            this.pending.delete(form.code ?? '');
            const challenge = createHash('sha256')
              .update(form.code_verifier ?? '')
              .digest('base64url');
            if (!p || p.challenge !== challenge) return json(400, { error: 'invalid_grant' });
            user = p.user;
          } else if (form.grant_type === 'refresh_token' && form.refresh_token?.startsWith('rt-')) user = form.refresh_token.slice(3);
          if (!user) return json(400, { error: 'invalid_grant' });
          return json(200, { access_token: `at-${user}-${++this.issued}`, refresh_token: `rt-${user}`, expires_in: 3600, token_type: 'Bearer' });
        });
        return;
      }
      const bearer = /^Bearer at-([a-z]+)-\d+$/.exec(req.headers.authorization ?? '');
      if (url.pathname.endsWith('/status')) return json(200, { ok: true });
      if (url.pathname === '/whoami') return bearer ? json(200, { user: bearer[1] }) : json(401, { error: 'no token' });
      // GitHub's GET /user, as a github connection's verification and account linking call it.
      if (url.pathname === '/user') return json(200, bearer ? { login: `${bearer[1]}-gh`, id: 7000 + bearer[1]!.length } : {});
      json(404, {});
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  /** What a person does at the provider with a URL in their browser: approve as themselves, and come back with a code. */
  approve(providerUrl: string, user: string): { state: string; code: string } {
    const u = new URL(providerUrl);
    expect(u.origin + u.pathname).toBe(`${this.url}/authorize`);
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    expect(u.searchParams.get('redirect_uri')).toBe(CALLBACK);
    const code = `code-${user}-${++this.codes}`;
    this.pending.set(code, { challenge: u.searchParams.get('code_challenge')!, user });
    return { state: u.searchParams.get('state')!, code };
  }
}

/**
 * One person's browser against the in-process app: a cookie jar that keeps what Remit sets and
 * sends it back by path, as a browser does. Different people have different jars.
 */
class Browser {
  readonly jar = new Map<string, { value: string; path: string }>();
  readonly setCookies: string[] = [];
  constructor(private readonly app: TestApp) {}

  async go(url: string, init: { method?: string; origin?: string } = {}): Promise<Response> {
    const path = new URL(url).pathname;
    const cookies = [...this.jar].filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`));
    const headers: Record<string, string> = {};
    if (cookies.length) headers.cookie = cookies.map(([name, c]) => `${name}=${c.value}`).join('; ');
    if (init.origin) headers.origin = init.origin;
    const res = await this.app.request(url, { method: init.method ?? 'GET', headers });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      if (attrs.some((a) => /^max-age=0$/i.test(a))) this.jar.delete(name);
      else this.jar.set(name, { value, path });
    }
    return res;
  }

  /** Opens Remit's link, checks who it names, presses Continue; answers the provider URL the browser is sent to. */
  async confirm(link: string, startedBy: string): Promise<string> {
    const page = await this.go(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(startedBy);
    const next = await this.go(link, { method: 'POST', origin: REMIT });
    expect(next.status).toBe(303);
    return next.headers.get('location')!;
  }
}

async function startLink(t: TestApp, token: string): Promise<string> {
  const start = await t.request('/v1/oauth/tickets/start', { token });
  expect(start.status).toBe(200);
  const body = (await start.json()) as { authorizeUrl: string; expiresAt: string };
  expect(body.authorizeUrl).toMatch(/^http:\/\/remit\.test\/oauth\/tickets\/authorize\?state=[\w-]{43}$/);
  return body.authorizeUrl;
}

/** The whole flow in one person's own browser. */
async function connect(t: TestApp, provider: FakeProvider, token: string, user: string, browser = new Browser(t)): Promise<{ state: string; code: string }> {
  const grant = provider.approve(await browser.confirm(await startLink(t, token), `${user}@example.com`), user);
  const back = await browser.go(`${CALLBACK}?code=${grant.code}&state=${grant.state}`);
  expect(await back.json()).toEqual({ connected: true, connection: 'tickets' });
  return grant;
}

async function createTickets(t: TestApp, provider: FakeProvider, type: 'http' | 'github' = 'http'): Promise<void> {
  const admin = await t.adminToken();
  const config =
    type === 'github'
      ? { apiUrl: provider.url, allowPrivateCidrs: ['127.0.0.1/32'] }
      : { baseUrl: provider.url, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] };
  const created = await t.request('/v1/admin/connections', {
    method: 'POST',
    token: admin,
    json: {
      name: 'tickets',
      type,
      authMode: 'oauth_user',
      config,
      oauth: { authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, clientId: 'remit', scopes: ['read'] },
      secret: { clientSecret: CLIENT_SECRET },
    },
  });
  expect(created.status).toBe(201);
  for (const [path, json] of [
    ['/v1/admin/roles', { name: 'developer', connections: ['tickets'], runKinds: ['troubleshoot'] }],
    ['/v1/admin/bindings', { role: 'developer', subject: { kind: 'group', group: 'developers' } }],
  ] as const) {
    expect((await t.request(path, { method: 'POST', token: admin, json })).status).toBe(201);
  }
}

const grantsOf = async (t: TestApp) =>
  (await t.db.owner((sql) => sql.query<{ email: string }>('select u.email from oauth_grants g join users u on u.id = g.user_id order by 1'))).rows.map(
    (r) => r.email,
  );

async function auditOf(t: TestApp, action: string): Promise<{ outcome: string; actorId: string | null; detail: Record<string, unknown> }[]> {
  const res = await t.request('/v1/audit?limit=1000', { token: await t.adminToken() });
  return ((await res.json()) as { items: { action: string; outcome: string; actorId: string | null; detail: Record<string, unknown> }[] }).items.filter(
    (i) => i.action === action,
  );
}

const whoami = `require('node:http').get({ socketPath: '/run/remit/egress.sock', host: 'tickets', path: '/whoami' }, (r) => r.pipe(process.stdout))`;

async function runWhoami(s: RunStack, token: string): Promise<string> {
  const runId = await s.startRun(token, { kind: 'troubleshoot', input: 'who am I there?' });
  await s.waitForStatus(runId, ['succeeded', 'failed']);
  return (await s.request(`/v1/runs/${runId}/events`, { token })).text();
}

describe('oauth_user connections', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => new Promise<void>((r) => provider.server.close(() => r())));

  it('act with the triggering user’s own token only, after an authorization-code flow with PKCE and a one-time state', async () => {
    await withRunStack(
      async (s) => {
        await createTickets(s, provider);
        const admin = await s.adminToken();
        const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
        const bob = await s.tokenFor({ email: 'bob@example.com', groups: ['developers'] });
        const outsider = await s.tokenFor({ email: 'eve@example.com', groups: ['other'] });

        expect(await errorOf(await s.request('/v1/oauth/tickets/start', { token: outsider }))).toMatchObject({ status: 403, code: 'forbidden' });

        // Not connected yet: the connection is left out, and the transcript says how to connect.
        const before = await runWhoami(s, alice);
        expect(before).toContain('you have not connected it yet; authorize Remit once at GET /v1/oauth/tickets/start');

        const aliceBrowser = new Browser(s);
        const aliceGrant = await connect(s, provider, alice, 'alice', aliceBrowser);
        await connect(s, provider, bob, 'bob');
        // The PKCE verifier reached the token endpoint, and the state cannot be replayed, not even from the browser that used it.
        expect(provider.tokenCalls.at(-1)).toMatchObject({ grant_type: 'authorization_code', code_verifier: expect.stringMatching(/^[\w-]{43,128}$/) });
        expect(await errorOf(await aliceBrowser.go(`${CALLBACK}?code=${aliceGrant.code}&state=${aliceGrant.state}`))).toMatchObject({
          status: 400,
          code: 'invalid_oauth_state',
        });
        expect(await errorOf(await s.request(`/v1/oauth/tickets/callback?code=x&state=forged`))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });

        expect(await runWhoami(s, alice)).toContain('{\\"user\\":\\"alice\\"}');
        expect(await runWhoami(s, bob)).toContain('{\\"user\\":\\"bob\\"}');
        // The sandboxes never held a user token: it is added outside, by the egress proxy.
        expect(JSON.stringify(s.bundles)).not.toMatch(/at-(alice|bob)/);

        // An expired token is refreshed with the user's refresh token before the run.
        await s.db.owner((sql) => sql.query(`update oauth_grants set expires_at = now() - interval '1 minute'`));
        expect(await runWhoami(s, alice)).toContain('{\\"user\\":\\"alice\\"}');
        expect(provider.tokenCalls.some((c) => c.grant_type === 'refresh_token' && c.refresh_token === 'rt-alice')).toBe(true);

        // Tokens are sealed: the database holds references only.
        const grants = await s.db.owner((sql) => sql.query('select * from oauth_grants'));
        expect(JSON.stringify(grants.rows)).not.toMatch(/at-|rt-/);

        // The client secret goes only to the token endpoint it was saved for.
        const moveTokenUrl = await s.request('/v1/admin/connections/tickets', {
          method: 'PATCH',
          token: admin,
          json: { oauth: { authorizeUrl: `${provider.url}/authorize`, tokenUrl: 'http://127.0.0.1:9/token', clientId: 'remit' } },
        });
        expect(await errorOf(moveTokenUrl)).toMatchObject({ status: 422, code: 'secret_required_for_new_destination' });
        expect(await grantsOf(s)).toEqual(['alice@example.com', 'bob@example.com']);

        // Users' tokens go only where they were granted for: moving the API signs everyone out.
        const sealedBefore = (await s.secrets.list({ orgId: s.orgId })).length;
        const bearersBefore = provider.bearers.length;
        const moved = await s.request('/v1/admin/connections/tickets', {
          method: 'PATCH',
          token: admin,
          json: { config: { baseUrl: `${provider.url}/v2`, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] } },
        });
        expect(moved.status).toBe(200);
        expect(await grantsOf(s)).toEqual([]);
        expect((await s.secrets.list({ orgId: s.orgId })).length).toBe(sealedBefore - 2);
        expect(await runWhoami(s, alice)).toContain('you have not connected it yet');
        expect(provider.bearers.slice(bearersBefore)).toEqual([]);
      },
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['node', '-e', whoami] } }] }, { text: 'done' }] },
    );
  });
});

describe('an authorization finishes only in the browser that confirmed it (login CSRF)', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => new Promise<void>((r) => provider.server.close(() => r())));

  const users = async (t: TestApp) => ({
    alice: await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] }),
    bob: await t.tokenFor({ email: 'bob@example.com', groups: ['developers'] }),
  });

  it('alice sends bob the provider URL of her flow: bob approves, and his browser is refused at the callback; nothing is stored for anyone', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider);
      const { alice, bob } = await users(t);
      const aliceBrowser = new Browser(t);
      const tokenCalls = provider.tokenCalls.length;

      // Bob's browser, three ways: no cookie; the cookie of a flow of his own; and a cookie he
      // made up under the name alice's flow uses (derivable from the state in the URL).
      const bobBrowser = new Browser(t);
      await bobBrowser.confirm(await startLink(t, bob), 'bob@example.com');
      const cookieNameFor = (state: string) => `remit_oauth_${createHash('sha256').update(state).digest('hex').slice(0, 16)}`;
      const bobs: [string, (state: string) => Browser][] = [
        ['no cookie', () => new Browser(t)],
        ['his own flow’s cookie', () => bobBrowser],
        [
          'a forged cookie under alice’s name',
          (state) => {
            const forged = new Browser(t);
            forged.jar.set(cookieNameFor(state), { value: 'bob-made-this-up-bob-made-this-up-bob-made-', path: '/v1/oauth/tickets/callback' });
            return forged;
          },
        ],
      ];
      const spent: string[] = [];
      for (const [name, browserOf] of bobs) {
        // Alice starts and confirms in her own browser, then sends bob the provider URL.
        const providerUrl = await aliceBrowser.confirm(await startLink(t, alice), 'alice@example.com');
        const { state, code } = provider.approve(providerUrl, 'bob');
        const back = await browserOf(state).go(`${CALLBACK}?code=${code}&state=${state}`);
        expect(await errorOf(back), name).toMatchObject({ status: 403, code: 'oauth_browser_mismatch' });
        spent.push(providerUrl);
      }
      expect(await grantsOf(t)).toEqual([]);
      // No refused code reached the token endpoint.
      expect(provider.tokenCalls.length).toBe(tokenCalls);

      // Each refusal spent its state: alice's own browser cannot finish those flows now either.
      for (const providerUrl of spent) {
        const late = provider.approve(providerUrl, 'alice');
        expect(await errorOf(await aliceBrowser.go(`${CALLBACK}?code=${late.code}&state=${late.state}`))).toMatchObject({
          status: 400,
          code: 'invalid_oauth_state',
        });
      }
      expect(await grantsOf(t)).toEqual([]);

      // Audited as denials; a mismatch under alice, whose flow it was.
      const denials = await auditOf(t, 'oauth.connect');
      expect(denials.map((d) => [d.outcome, d.detail.reason])).toEqual([
        ...bobs.map(() => ['denied', 'oauth_browser_mismatch']),
        ...spent.map(() => ['denied', 'invalid_oauth_state']),
      ]);
      const aliceId = (await t.db.owner((sql) => sql.query<{ id: string }>(`select id from users where email = 'alice@example.com'`))).rows[0]!.id;
      expect(denials.slice(0, bobs.length).map((d) => d.actorId)).toEqual(bobs.map(() => aliceId));

      // Alice, starting again in her own browser, connects her own account.
      await connect(t, provider, alice, 'alice', aliceBrowser);
      expect(await grantsOf(t)).toEqual(['alice@example.com']);
    });
  });

  it('every refusal at the callback spends the state, comes before the token endpoint, and is audited as denied', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider);
      const { bob } = await users(t);
      const bobBrowser = new Browser(t);
      const tokenCalls = provider.tokenCalls.length;
      const cases: { name: string; query: (state: string, code: string) => string; expected: { status: number; code: string } }[] = [
        { name: 'no code (was a 502)', query: (state) => `state=${state}`, expected: { status: 400, code: 'validation_failed' } },
        {
          name: 'the provider says access_denied',
          query: (state) => `state=${state}&error=access_denied&error_description=nope`,
          expected: { status: 400, code: 'oauth_provider_refused' },
        },
        {
          name: 'an error and a code together',
          query: (state, code) => `state=${state}&code=${code}&error=server_error`,
          expected: { status: 400, code: 'oauth_provider_refused' },
        },
        {
          name: 'an error that is not an RFC 6749 code',
          query: (state) => `state=${state}&error=${encodeURIComponent('<script>x</script>')}`,
          expected: { status: 400, code: 'oauth_provider_refused' },
        },
        { name: 'no state', query: (_state, code) => `code=${code}`, expected: { status: 400, code: 'validation_failed' } },
      ];
      const reasons: string[] = [];
      for (const { name, query, expected } of cases) {
        const providerUrl = await bobBrowser.confirm(await startLink(t, bob), 'bob@example.com');
        const { state, code } = provider.approve(providerUrl, 'bob');
        const err = await errorOf(await bobBrowser.go(`${CALLBACK}?${query(state, code)}`));
        expect(err, name).toMatchObject(expected);
        expect(err.message, name).not.toContain('<script>');
        reasons.push(expected.code);
        if (expected.code === 'oauth_provider_refused') expect(err.message, name).toMatch(/\((access_denied|server_error|unrecognised error)\)/);
        if (!query(state, code).includes('state=')) continue;
        // Spent: even the right browser with a good code cannot use the state now.
        const again = provider.approve(providerUrl, 'bob');
        expect(await errorOf(await bobBrowser.go(`${CALLBACK}?code=${again.code}&state=${state}`)), name).toMatchObject({
          status: 400,
          code: 'invalid_oauth_state',
        });
        reasons.push('invalid_oauth_state');
      }
      expect(provider.tokenCalls.length).toBe(tokenCalls);
      expect(await grantsOf(t)).toEqual([]);
      const audited = await auditOf(t, 'oauth.connect');
      expect(audited.map((a) => [a.outcome, a.detail.reason])).toEqual(reasons.map((r) => ['denied', r]));
    });
  });

  it('alice forwards Remit’s link instead: bob sees whose runs it serves, another site cannot press Continue for him, and once confirmed the link is dead', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider);
      const { alice } = await users(t);
      const link = await startLink(t, alice);
      const bobBrowser = new Browser(t);

      const page = await bobBrowser.go(link);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('alice@example.com');
      expect(html).toContain('If someone sent you this link, close this page.');
      expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors 'none'`);
      expect(page.headers.get('content-security-policy')).toContain(`form-action 'self' ${provider.url}`);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(bobBrowser.setCookies).toEqual([]);

      // A page on another site submitting the form in bob's browser, with a forged-looking, a
      // null and no Origin: refused, and nothing bound.
      for (const origin of ['https://evil.example', 'null', `${REMIT}.evil.example`, undefined]) {
        const res = await bobBrowser.go(link, { method: 'POST', ...(origin ? { origin } : {}) });
        expect(await errorOf(res), String(origin)).toMatchObject({ status: 403, code: 'forbidden' });
      }
      expect(bobBrowser.setCookies).toEqual([]);
      expect((await auditOf(t, 'oauth.confirm')).map((a) => a.outcome)).toEqual(['denied', 'denied', 'denied', 'denied']);

      // Alice confirms in her browser: the link now works for nobody else, page or button.
      const aliceBrowser = new Browser(t);
      await aliceBrowser.confirm(link, 'alice@example.com');
      expect(await errorOf(await bobBrowser.go(link))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
      expect(await errorOf(await bobBrowser.go(link, { method: 'POST', origin: REMIT }))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
      expect(bobBrowser.setCookies).toEqual([]);

      // A link for another connection's path, or with a made-up state, shows nothing.
      expect(await errorOf(await bobBrowser.go(link.replace('/tickets/', '/payments/')))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
      expect(await errorOf(await bobBrowser.go(`${REMIT}/oauth/tickets/authorize?state=made-up`))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
    });
  });

  it('the binding cookie is HttpOnly, SameSite=Lax, scoped to the callback, short-lived, Secure over https, and cleared by the callback', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider);
      const { alice } = await users(t);
      const browser = new Browser(t);
      const providerUrl = await browser.confirm(await startLink(t, alice), 'alice@example.com');
      const [set] = browser.setCookies;
      expect(set).toMatch(/^remit_oauth_[0-9a-f]{16}=[\w-]{43}; /);
      expect(set).toContain('Path=/v1/oauth/tickets/callback');
      expect(set).toContain('HttpOnly');
      expect(set).toContain('SameSite=Lax');
      expect(set).not.toContain('Secure');
      expect(Number(/Max-Age=(\d+)/.exec(set!)![1])).toBeLessThanOrEqual(600);
      // The value is not stored: the database holds its hash only.
      const value = [...browser.jar.values()][0]!.value;
      const states = await t.db.owner((sql) => sql.query<{ browser_hash: string }>('select browser_hash from oauth_states'));
      expect(JSON.stringify(states.rows)).not.toContain(value);
      expect(states.rows[0]!.browser_hash).toBe(createHash('sha256').update(value).digest('hex'));

      const { state, code } = provider.approve(providerUrl, 'alice');
      await browser.go(`${CALLBACK}?code=${code}&state=${state}`);
      expect(browser.setCookies.at(-1)).toMatch(/Max-Age=0/);
      expect(browser.jar.size).toBe(0);

      // Over https the cookie is Secure.
      const https = new Browser(t);
      const link = (await startLink(t, alice)).replace('http:', 'https:');
      expect((await https.go(link, { method: 'POST', origin: REMIT })).status).toBe(303);
      expect(https.setCookies[0]).toContain('Secure');
    });
  });

  it('a flow in flight when an admin moves where users’ tokens go cannot finish', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider);
      const { alice } = await users(t);
      const browser = new Browser(t);
      const providerUrl = await browser.confirm(await startLink(t, alice), 'alice@example.com');
      const sealed = (await t.secrets.list({ orgId: t.orgId })).length;
      const moved = await t.request('/v1/admin/connections/tickets', {
        method: 'PATCH',
        token: await t.adminToken(),
        json: { config: { baseUrl: `${provider.url}/v2`, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] } },
      });
      expect(moved.status).toBe(200);
      // The flow's sealed PKCE verifier went with it.
      expect((await t.secrets.list({ orgId: t.orgId })).length).toBe(sealed - 1);
      const tokenCalls = provider.tokenCalls.length;
      const { state, code } = provider.approve(providerUrl, 'alice');
      expect(await errorOf(await browser.go(`${CALLBACK}?code=${code}&state=${state}`))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
      expect(provider.tokenCalls.length).toBe(tokenCalls);
      expect(await grantsOf(t)).toEqual([]);
    });
  });

  it('a state that expired before its browser came back is refused, and spent', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider);
      const { alice } = await users(t);
      const browser = new Browser(t);
      const providerUrl = await browser.confirm(await startLink(t, alice), 'alice@example.com');
      await t.db.owner((sql) => sql.query(`update oauth_states set expires_at = now() - interval '1 second'`));
      const { state, code } = provider.approve(providerUrl, 'alice');
      expect(await errorOf(await browser.go(`${CALLBACK}?code=${code}&state=${state}`))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
      expect((await t.db.owner((sql) => sql.query('select count(*)::int n from oauth_states'))).rows[0]).toEqual({ n: 0 });
      expect(await grantsOf(t)).toEqual([]);
    });
  });
  it('connecting a github connection with OAuth links the GitHub account GitHub names to the user who connected (verified), for code review', async () => {
    await withTestApp(async (t) => {
      await createTickets(t, provider, 'github');
      const alice = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
      await connect(t, provider, alice, 'alice');
      const links = await t.db.owner((sql) =>
        sql.query<{ github_login: string; github_id: string; email: string; linked_by: string }>(
          'select l.github_login, l.github_id::text, u.email, l.linked_by from github_links l join users u on u.id = l.user_id',
        ),
      );
      expect(links.rows).toEqual([{ github_login: 'alice-gh', github_id: String(7000 + 'alice'.length), email: 'alice@example.com', linked_by: 'oauth' }]);
      expect(await auditOf(t, 'github.link')).toEqual([expect.objectContaining({ outcome: 'success', detail: { linkedBy: 'oauth' } })]);
    });
  });
});
