import { createHash } from 'node:crypto';
import { RemitError } from '@remit/core';
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createFakeOidcKey,
  signIdToken,
  withFakeOidcProvider,
  type FakeIdTokenForgery,
  type FakeOidcProvider,
  type FakeOidcProviderOptions,
} from '../testing/fake-oidc-provider.ts';
import { createOidcLogin, isConsoleReturnTo, oidcFlowLifetimeMs, type OidcAlgorithm, type OidcLoginFlow, type OidcLoginSettings } from './oidc-login.ts';

const clientId = 'remit-console';
const clientSecret = 'console-client-secret-7f3a9c';
const redirectUri = 'http://127.0.0.1:8080/console/auth/callback';
const user = { sub: 'user-1', email: 'ada@example.test', groups: ['devs', 'remit-admins'] };

function withIdp<T>(cb: (idp: FakeOidcProvider) => Promise<T>, options: Partial<FakeOidcProviderOptions> = {}): Promise<T> {
  return withFakeOidcProvider({ clientId, clientSecret, redirectUri, user, ...options }, cb);
}

function loginFor(idp: FakeOidcProvider, overrides: Partial<OidcLoginSettings> = {}) {
  return createOidcLogin({
    issuer: idp.issuer,
    clientId,
    clientSecret,
    redirectUri,
    scopes: ['openid', 'email', 'profile'],
    groupsClaim: 'groups',
    algorithm: idp.key.alg as OidcAlgorithm,
    allowLoopbackHttp: true,
    ...overrides,
  });
}

/** What the browser does: opens the login URL; the fake provider sends it straight back. */
async function authorize(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

/** Begins a login and brings the browser back: the flow and the callback URL it arrived on. */
async function roundTrip(login: ReturnType<typeof createOidcLogin>, returnTo = '/console'): Promise<{ flow: OidcLoginFlow; callback: URL }> {
  const { url, flow } = await login.begin(returnTo);
  return { flow, callback: await authorize(url) };
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const tokenRequests = (idp: FakeOidcProvider) => idp.requests.filter((r) => r.path === '/token');
const discoveries = (idp: FakeOidcProvider) => idp.requests.filter((r) => r.path === '/.well-known/openid-configuration');

/**
 * Rejects unless `promise` fails with a RemitError of `code` and `details.reason`, whose message
 * holds none of `secrets` (the client secret, the flow's values, the code).
 */
async function expectRefusal(promise: Promise<unknown>, code: string, reason: string | undefined, secrets: string[] = []): Promise<RemitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RemitError)) throw new Error(`expected RemitError(${code}, ${reason}), got ${err === undefined ? 'success' : String(err)}`);
  expect({ code: err.code, reason: err.details?.['reason'] }).toEqual({ code, reason });
  for (const secret of [clientSecret, ...secrets]) expect(err.message).not.toContain(secret);
  return err;
}

const flowSecrets = (flow: OidcLoginFlow, callback?: URL) => [
  flow.state,
  flow.nonce,
  flow.codeVerifier,
  ...(callback ? [callback.searchParams.get('code') ?? ''] : []),
];

describe('console OIDC login: the honest path', () => {
  it('signs in end to end: PKCE S256, state and nonce, the client secret by Basic, the bearer verifier’s claim mapping', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const before = Date.now();
      const { url, flow } = await login.begin('/console/runs?status=failed');
      expect(flow).toEqual({
        state: expect.stringMatching(/^[\w-]{43}$/),
        nonce: expect.stringMatching(/^[\w-]{43}$/),
        codeVerifier: expect.stringMatching(/^[\w-]{43}$/),
        returnTo: '/console/runs?status=failed',
        createdAt: expect.any(Number),
      });
      expect(flow.createdAt).toBeGreaterThanOrEqual(before);
      const sent = new URL(url);
      expect(`${sent.origin}${sent.pathname}`).toBe(`${idp.issuer}/authorize`);
      expect(Object.fromEntries(sent.searchParams)).toEqual({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: s256(flow.codeVerifier),
        code_challenge_method: 'S256',
      });

      const callback = await authorize(url);
      await expect(login.finish(callback, flow)).resolves.toEqual({ sub: 'user-1', email: 'ada@example.test', groups: ['devs', 'remit-admins'] });

      const [token] = tokenRequests(idp);
      expect(token?.form).toEqual({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code'),
        redirect_uri: redirectUri,
        code_verifier: flow.codeVerifier,
      });
      // RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined with a colon and base64-encoded.
      const basic = /^Basic (.+)$/.exec(token?.authorization ?? '')?.[1] ?? '';
      expect(Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent)).toEqual([clientId, clientSecret]);
      expect(idp.requests.find((r) => r.path === '/authorize')?.query['code_challenge']).toBe(s256(flow.codeVerifier));
      expect(url).not.toContain(clientSecret);
      expect(idp.requests.filter((r) => r.path === '/jwks')).toHaveLength(1);
    });
  });

  it('works as a public client: client_id in the body, no Authorization header, PKCE alone', async () => {
    await withIdp(
      async (idp) => {
        const login = loginFor(idp, { clientSecret: undefined });
        const { flow, callback } = await roundTrip(login);
        await expect(login.finish(callback, flow)).resolves.toMatchObject({ sub: 'user-1' });
        const [token] = tokenRequests(idp);
        expect(token?.authorization).toBeUndefined();
        expect(token?.form).toMatchObject({ client_id: clientId, code_verifier: flow.codeVerifier });
      },
      { clientSecret: undefined },
    );
  });

  it.each(['PS256', 'ES256', 'EdDSA'] as const)('accepts ID tokens signed with %s when that is the configured algorithm', async (algorithm) => {
    await withIdp(
      async (idp) => {
        const login = loginFor(idp, { algorithm });
        const { flow, callback } = await roundTrip(login);
        await expect(login.finish(callback, flow)).resolves.toMatchObject({ sub: 'user-1' });
      },
      { algorithm },
    );
  });

  it('reads groups from the configured claim, and drops an email the provider has not verified, as the bearer verifier does', async () => {
    await withIdp(
      async (idp) => {
        const login = loginFor(idp, { groupsClaim: 'https://remit.example/groups' });
        const { flow, callback } = await roundTrip(login);
        await expect(login.finish(callback, flow)).resolves.toEqual({ sub: 'user-2', email: null, groups: ['platform'] });
      },
      { user: { sub: 'user-2', email: 'bob@example.test', email_verified: false, groups: ['ignored'], 'https://remit.example/groups': ['platform'] } },
    );
  });

  it('discovers the provider once for every login, and gives each login its own state, nonce and verifier', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const [a, b] = await Promise.all([login.begin('/console'), login.begin('/console')]);
      expect(discoveries(idp)).toHaveLength(1);
      expect(new Set([a.flow.state, a.flow.nonce, a.flow.codeVerifier, b.flow.state, b.flow.nonce, b.flow.codeVerifier]).size).toBe(6);
    });
  });
});

describe('console OIDC login: attacks on the callback', () => {
  it('refuses a callback whose state is not this login’s, before any code is exchanged', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const victim = await roundTrip(login);
      const { flow } = await login.begin('/console');
      const withState = (...states: string[]) => {
        const url = new URL(victim.callback);
        url.searchParams.delete('state');
        for (const state of states) url.searchParams.append('state', state);
        return url;
      };
      const callbacks = [
        victim.callback, // another login's callback (login CSRF)
        withState(),
        withState(''),
        withState(`${flow.state}x`),
        withState(flow.state.slice(0, -1)),
        withState(flow.state.toUpperCase()),
        withState(flow.state, flow.state),
      ];
      for (const callback of callbacks) await expectRefusal(login.finish(callback, flow), 'invalid_oauth_state', 'wrong_state', flowSecrets(flow));
      expect(tokenRequests(idp)).toEqual([]);
    });
  });

  it('refuses a flow older than ten minutes, before any code is exchanged', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      const stale = { ...flow, createdAt: Date.now() - oidcFlowLifetimeMs - 1000 };
      await expectRefusal(login.finish(callback, stale), 'invalid_oauth_state', 'expired', flowSecrets(flow, callback));
      await expectRefusal(login.finish(callback, { ...flow, createdAt: Number.NaN }), 'invalid_oauth_state', 'expired');
      expect(tokenRequests(idp)).toEqual([]);
    });
  });

  it('refuses a replayed code: the provider redeems a code once', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      await login.finish(callback, flow);
      await expectRefusal(login.finish(callback, flow), 'oauth_exchange_failed', 'refused', flowSecrets(flow, callback));
    });
  });

  it('refuses a stolen code injected into the attacker’s own login: the provider checks PKCE', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const victim = await roundTrip(login);
      const attacker = await login.begin('/console');
      const injected = new URL(redirectUri);
      injected.searchParams.set('code', victim.callback.searchParams.get('code') ?? '');
      injected.searchParams.set('state', attacker.flow.state);
      injected.searchParams.set('iss', idp.issuer);
      await expectRefusal(login.finish(injected, attacker.flow), 'oauth_exchange_failed', 'refused', flowSecrets(attacker.flow, injected));
      expect(tokenRequests(idp).map((r) => r.form['code_verifier'])).toEqual([attacker.flow.codeVerifier]);
    });
  });

  it('refuses the right code with the wrong code_verifier', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      const other = await login.begin('/console');
      await expectRefusal(
        login.finish(callback, { ...flow, codeVerifier: other.flow.codeVerifier }),
        'oauth_exchange_failed',
        'refused',
        flowSecrets(flow, callback),
      );
    });
  });

  it('refuses a callback naming another issuer (RFC 9207 mix-up), and one without a code', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      const mixedUp = new URL(callback);
      mixedUp.searchParams.set('iss', 'https://evil.example/oidc');
      await expectRefusal(login.finish(mixedUp, flow), 'invalid_oauth_state', 'malformed_response', flowSecrets(flow, callback));
      const noCode = new URL(callback);
      noCode.searchParams.delete('code');
      await expectRefusal(login.finish(noCode, flow), 'validation_failed', undefined);
      expect(tokenRequests(idp)).toEqual([]);
    });
  });

  it.each([
    ['access_denied', /\(access_denied\): the sign-in was declined or cancelled; sign in again/],
    ['login_required', /\(login_required\): you need to sign in at the identity provider first/],
    ['temporarily_unavailable', /try again in a minute/],
    ['unauthorized_client', /\(unauthorized_client\): an admin should check REMIT_OIDC_CLIENT_ID/],
    ['invalid_scope', /\(invalid_scope\): an admin should check .*REMIT_OIDC_SCOPES/],
    ['<script>alert(1)</script>', /\(unrecognised error\)/],
  ])('turns the provider’s %s answer into oauth_provider_refused with what to do', async (error, message) => {
    await withIdp(async (idp) => {
      idp.behaviour.authorizeError = error;
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      expect(callback.searchParams.get('error')).toBe(error);
      const err = await expectRefusal(login.finish(callback, flow), 'oauth_provider_refused', 'provider_error', flowSecrets(flow));
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('<script>');
      expect(tokenRequests(idp)).toEqual([]);
    });
  });

  it('refuses an error answer that carries another login’s state as a wrong state, not as the provider’s word', async () => {
    await withIdp(async (idp) => {
      idp.behaviour.authorizeError = 'access_denied';
      const login = loginFor(idp);
      const forged = await roundTrip(login);
      const { flow } = await login.begin('/console');
      await expectRefusal(login.finish(forged.callback, flow), 'invalid_oauth_state', 'wrong_state');
    });
  });

  it('refuses when the provider does not accept the client secret', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp, { clientSecret: 'not-the-secret' });
      const { flow, callback } = await roundTrip(login);
      const err = await expectRefusal(login.finish(callback, flow), 'oauth_exchange_failed', 'client_rejected', ['not-the-secret']);
      expect(err.message).toMatch(/REMIT_OIDC_CLIENT_SECRET/);
    });
  });
});

const now = () => Math.floor(Date.now() / 1000);
const forgeries: [string, FakeIdTokenForgery, string][] = [
  ['the nonce of another login', { claims: (c) => ({ ...c, nonce: 'nonce-of-another-login' }) }, 'wrong_nonce'],
  ['no nonce', { claims: ({ nonce: _nonce, ...c }) => c }, 'wrong_nonce'],
  ['another audience', { claims: (c) => ({ ...c, aud: 'another-client' }) }, 'wrong_audience'],
  ['our audience among others, without azp', { claims: (c) => ({ ...c, aud: [clientId, 'another-client'] }) }, 'wrong_audience'],
  ['another issuer', { claims: (c) => ({ ...c, iss: 'https://evil.example/oidc' }) }, 'wrong_issuer'],
  ['an expiry in the past', { claims: (c) => ({ ...c, iat: now() - 600, exp: now() - 120 }) }, 'expired'],
  ['a not-before in the future', { claims: (c) => ({ ...c, nbf: now() + 600 }) }, 'not_yet_valid'],
  [
    'a signature by another key under the published kid',
    { sign: async (c, published) => signIdToken(c, await createFakeOidcKey(published.alg, published.kid)) },
    'bad_signature',
  ],
  [
    'a signature by a key the provider does not publish',
    { sign: async (c, published) => signIdToken(c, await createFakeOidcKey(published.alg)) },
    'unknown_key',
  ],
  ['alg none', { sign: async (c) => new UnsecuredJWT(c as JWTPayload).encode() }, 'wrong_algorithm'],
  [
    'HS256 keyed with the provider’s public key',
    {
      sign: (c, published) =>
        new SignJWT(c as JWTPayload)
          .setProtectedHeader({ alg: 'HS256', kid: published.kid })
          .sign(new TextEncoder().encode(JSON.stringify(published.publicJwk))),
    },
    'wrong_algorithm',
  ],
  ['a groups claim that is not a list', { claims: (c) => ({ ...c, groups: 'remit-admins' }) }, 'bad_groups'],
  ['an email that is not a string', { claims: (c) => ({ ...c, email: ['ada@example.test'] }) }, 'bad_claim'],
  ['no sub', { claims: ({ sub: _sub, ...c }) => c }, 'invalid_response'],
];

describe('console OIDC login: ID tokens a client must refuse', () => {
  it.each(forgeries)('refuses an ID token with %s', async (_name, forgery, reason) => {
    await withIdp(async (idp) => {
      idp.behaviour.idToken = forgery;
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      await expectRefusal(login.finish(callback, flow), 'oauth_exchange_failed', reason, flowSecrets(flow, callback));
    });
  });
});

describe('console OIDC login: the provider’s discovery and endpoints', () => {
  it('answers not_ready while discovery fails, and tries again on the next login instead of remembering the failure', async () => {
    await withIdp(async (idp) => {
      idp.behaviour.discoveryDown = true;
      const login = loginFor(idp);
      const err = await expectRefusal(login.begin('/console'), 'not_ready', 'discovery_failed');
      expect(err.message).toMatch(/REMIT_OIDC_ISSUER/);
      await expectRefusal(login.begin('/console'), 'not_ready', 'discovery_failed');
      idp.behaviour.discoveryDown = false;
      const { flow, callback } = await roundTrip(login);
      await expect(login.finish(callback, flow)).resolves.toMatchObject({ sub: 'user-1' });
      await login.begin('/console');
      expect(discoveries(idp)).toHaveLength(3);
    });
  });

  it('answers not_ready when the provider cannot be reached at all', async () => {
    const login = createOidcLogin({
      issuer: 'http://127.0.0.1:1/oidc',
      clientId,
      redirectUri,
      scopes: ['openid'],
      groupsClaim: 'groups',
      algorithm: 'RS256',
      allowLoopbackHttp: true,
    });
    await expectRefusal(login.begin('/console'), 'not_ready', 'discovery_failed');
  });

  it.each([
    ['names another issuer', { issuer: 'https://evil.example/oidc' }, 'discovery_failed', /REMIT_OIDC_ISSUER/],
    ['has no authorization endpoint', { authorization_endpoint: undefined }, 'discovery_unusable', /authorization_endpoint/],
    ['sends tokens over plain http to another host', { token_endpoint: 'http://idp.example.com/token' }, 'discovery_unusable', /token_endpoint/],
    [
      'does not sign ID tokens with the configured algorithm',
      { id_token_signing_alg_values_supported: ['ES256'] },
      'discovery_unusable',
      /REMIT_OIDC_ALG=RS256/,
    ],
    ['does not offer PKCE S256', { code_challenge_methods_supported: ['plain'] }, 'discovery_unusable', /PKCE/],
  ])('answers not_ready when the discovery document %s', async (_name, discovery, reason, message) => {
    await withIdp(async (idp) => {
      idp.behaviour.discovery = discovery;
      const err = await expectRefusal(loginFor(idp).begin('/console'), 'not_ready', reason);
      expect(err.message).toMatch(message);
    });
  });

  it.each([
    ['token endpoint', { token_endpoint: 'http://127.0.0.1:1/token' }, 'unreachable'],
    ['signing keys', { jwks_uri: 'http://127.0.0.1:1/jwks' }, 'keys_unavailable'],
  ])('refuses the sign-in when the provider’s %s cannot be reached', async (_name, discovery, reason) => {
    await withIdp(async (idp) => {
      idp.behaviour.discovery = discovery;
      const login = loginFor(idp);
      const { flow, callback } = await roundTrip(login);
      await expectRefusal(login.finish(callback, flow), 'oauth_exchange_failed', reason, flowSecrets(flow, callback));
    });
  });

  it('refuses plain http to an issuer that is not loopback, and http at all unless allowed for tests', async () => {
    const settings = { clientId, redirectUri, scopes: ['openid'], groupsClaim: 'groups', algorithm: 'RS256' as const };
    expect(() => createOidcLogin({ ...settings, issuer: 'http://idp.example.com', allowLoopbackHttp: true })).toThrow(/https/);
    expect(() => createOidcLogin({ ...settings, issuer: 'http://127.0.0.1:9000' })).toThrow(/https/);
    expect(() => createOidcLogin({ ...settings, issuer: 'https://idp.example.com', scopes: ['email'] })).toThrow(/openid/);
    expect(createOidcLogin({ ...settings, issuer: 'https://idp.example.com' })).toBeDefined();
  });
});

const badReturnTos = [
  '',
  'console',
  '/',
  '/v1/admin',
  '/consoles',
  '/console-evil',
  '/CONSOLE',
  '//evil.example',
  '//evil.example/console',
  '/\\evil.example',
  '\\\\evil.example',
  '/console\\..\\v1',
  'https://evil.example/console',
  'http:/console',
  'javascript:alert(1)//console',
  '/console@evil.example',
  ' /console',
  '/console ',
  '/\t/evil.example',
  '/console\n/x',
  '/console/\u0000',
  '/console/\u2028',
  '/console/../v1/admin',
  '/console/%2e%2e/v1/admin',
  '/console/%2E./v1',
  `/console/${'a'.repeat(2100)}`,
];

describe('console OIDC login: where the browser goes afterwards', () => {
  it('refuses open-redirect and off-console returnTo values before contacting the provider', async () => {
    await withIdp(async (idp) => {
      const login = loginFor(idp);
      for (const value of badReturnTos) {
        expect(isConsoleReturnTo(value), JSON.stringify(value)).toBe(false);
        await expectRefusal(login.begin(value), 'validation_failed', undefined);
      }
      expect(idp.requests).toEqual([]);
    });
  });

  it.each(['/console', '/console/', '/console/runs/0b9c?tab=events#top', '/console?next=%2Fconsole', '/console/roles/platform-engineer'])(
    'accepts returnTo %s',
    (value) => {
      expect(isConsoleReturnTo(value)).toBe(true);
    },
  );

  const base = 'https://remit.example';
  const prefixes = ['', '/console', '/console/', '/console?', '/console#', '//', '/\\', '\\', 'https://evil.example', '/console/..', '/console/%2e', '\t', ' '];

  it('accepts only values that a browser resolves to a path under /console on this site', () => {
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.string({ unit: 'binary', maxLength: 40 }), (prefix, rest) => {
        const value = prefix + rest;
        if (!isConsoleReturnTo(value)) return;
        const resolved = new URL(value, base);
        expect(resolved.origin).toBe(base);
        expect(resolved.pathname === '/console' || resolved.pathname.startsWith('/console/')).toBe(true);
        // What lenient parsers rewrite (backslashes, tabs, newlines, spaces, other control characters) never gets through.
        expect(value).not.toMatch(/[\\\s\p{Cc}\p{Cf}]/u);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses any console path with a control character, space or backslash in it', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);
    const bad = fc
      .oneof(fc.integer({ min: 0, max: 0x20 }), fc.constant(0x7f), fc.constant(0x5c), fc.integer({ min: 0x80, max: 0x9f }))
      .map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), bad, fc.nat(), (segments, char, at) => {
        const path = `/console/${segments.join('/')}`;
        const i = 1 + (at % path.length);
        expect(isConsoleReturnTo(path)).toBe(true);
        expect(isConsoleReturnTo(path.slice(0, i) + char + path.slice(i))).toBe(false);
      }),
    );
  });
});
