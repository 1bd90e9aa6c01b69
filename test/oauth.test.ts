import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { errorOf } from '@remit/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRunStack, type RunStack } from './support/run-stack.ts';

const CLIENT_SECRET = 'cs-9f8e7d6c5b4a';

/** A fake OAuth provider and API on loopback: it issues per-user tokens and tells who a token belongs to. */
class FakeProvider {
  server!: Server;
  url = '';
  readonly pending = new Map<string, { challenge: string; user: string }>();
  readonly tokenCalls: Record<string, string>[] = [];
  private issued = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
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
            const challenge = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
            if (!p || p.challenge !== challenge) return json(400, { error: 'invalid_grant' });
            user = p.user;
          } else if (form.grant_type === 'refresh_token' && form.refresh_token?.startsWith('rt-')) user = form.refresh_token.slice(3);
          if (!user) return json(400, { error: 'invalid_grant' });
          return json(200, { access_token: `at-${user}-${++this.issued}`, refresh_token: `rt-${user}`, expires_in: 3600, token_type: 'Bearer' });
        });
        return;
      }
      const bearer = /^Bearer at-([a-z]+)-\d+$/.exec(req.headers.authorization ?? '');
      if (url.pathname === '/status') return json(200, { ok: true });
      if (url.pathname === '/whoami') return bearer ? json(200, { user: bearer[1] }) : json(401, { error: 'no token' });
      json(404, {});
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  /** What the user's browser does at the provider: approve, and come back with a code. */
  approve(authorizeUrl: string, user: string): { state: string; code: string } {
    const u = new URL(authorizeUrl);
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    expect(u.searchParams.get('redirect_uri')).toBe('http://remit.test/v1/oauth/tickets/callback');
    const code = `code-${user}-${this.pending.size}`;
    this.pending.set(code, { challenge: u.searchParams.get('code_challenge')!, user });
    return { state: u.searchParams.get('state')!, code };
  }
}

const whoami = `require('node:http').get({ socketPath: '/run/remit/egress.sock', host: 'tickets', path: '/whoami' }, (r) => r.pipe(process.stdout))`;

async function connect(s: RunStack, provider: FakeProvider, token: string, user: string): Promise<{ state: string; code: string }> {
  const start = await s.request('/v1/oauth/tickets/start', { token });
  expect(start.status).toBe(200);
  const grant = provider.approve(((await start.json()) as { authorizeUrl: string }).authorizeUrl, user);
  const back = await s.request(`/v1/oauth/tickets/callback?code=${grant.code}&state=${grant.state}`);
  expect(await back.json()).toEqual({ connected: true, connection: 'tickets' });
  return grant;
}

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
        const admin = await s.adminToken();
        const created = await s.request('/v1/admin/connections', {
          method: 'POST',
          token: admin,
          json: {
            name: 'tickets',
            type: 'http',
            authMode: 'oauth_user',
            config: { baseUrl: provider.url, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
            oauth: { authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, clientId: 'remit', scopes: ['read'] },
            secret: { clientSecret: CLIENT_SECRET },
          },
        });
        expect(created.status).toBe(201);
        await s.admin('/v1/admin/roles', { name: 'developer', connections: ['tickets'], runKinds: ['troubleshoot'] });
        await s.admin('/v1/admin/bindings', { role: 'developer', subject: { kind: 'group', group: 'developers' } });
        const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
        const bob = await s.tokenFor({ email: 'bob@example.com', groups: ['developers'] });
        const outsider = await s.tokenFor({ email: 'eve@example.com', groups: ['other'] });

        expect(await errorOf(await s.request('/v1/oauth/tickets/start', { token: outsider }))).toMatchObject({ status: 403, code: 'forbidden' });

        // Not connected yet: the connection is left out, and the transcript says how to connect.
        const before = await runWhoami(s, alice);
        expect(before).toContain('you have not connected it yet; authorize Remit once at GET /v1/oauth/tickets/start');

        const aliceGrant = await connect(s, provider, alice, 'alice');
        await connect(s, provider, bob, 'bob');
        // The PKCE verifier reached the token endpoint, and the state cannot be replayed.
        expect(provider.tokenCalls.at(-1)).toMatchObject({ grant_type: 'authorization_code', code_verifier: expect.stringMatching(/^[\w-]{43,128}$/) });
        expect(await errorOf(await s.request(`/v1/oauth/tickets/callback?code=${aliceGrant.code}&state=${aliceGrant.state}`))).toMatchObject({ status: 400, code: 'invalid_oauth_state' });
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
      },
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['node', '-e', whoami] } }] }, { text: 'done' }] },
    );
  });
});
