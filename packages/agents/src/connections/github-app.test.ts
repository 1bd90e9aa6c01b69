// GitHub cannot run here: a fake GitHub on 127.0.0.1 checks what GitHub checks (the JWT's RS256
// signature against the app's public key, its claims, the headers) and answers in GitHub's shapes.
// The real client path talks to it: githubAppJwt, then guardedFetch with 127.0.0.1/32 allowed.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialError } from './credential-error.ts';
import { githubAppJwt, githubInstallationToken, verifyGithubApp, type GithubAppAccess } from './github-app.ts';

const appId = 12345;
const installationId = 67890;
const installationToken = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
// GitHub hands out PKCS#1 PEM files; the fake holds the matching public key, as GitHub does.
const appKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const strangerKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

interface SeenCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  claims?: JWTPayload;
  alg?: string;
}
type Answer = (res: ServerResponse, call: SeenCall) => void;

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': 'C0DE:1234:5678AB:9ABCDE:65F00000', ...headers })
    .end(JSON.stringify(body));
}

/** A fake GitHub REST API for one app, on 127.0.0.1. `override` answers a path instead of the fake. */
async function fakeGithub(options: { suspended?: boolean; override?: Record<string, Answer> } = {}) {
  const publicKey = createPublicKey(appKeys.publicKey);
  const seen: SeenCall[] = [];
  const server = createServer((req, res) => {
    // A failing fake answers with a reset rather than an unhandled rejection.
    void (async () => {
      for await (const _ of req);
      const call: SeenCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
      seen.push(call);
      if (!req.headers['user-agent'])
        return json(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });
      if (req.headers['x-github-api-version'] !== '2022-11-28') return json(res, 400, { message: 'Unsupported API version' });
      const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      try {
        if (!jwt) throw new Error('no bearer');
        call.alg = decodeProtectedHeader(jwt).alg;
        // GitHub: RS256 only, iss is the app, exp at most 10 minutes ahead.
        const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ['RS256'], issuer: String(appId), requiredClaims: ['iat', 'exp'] });
        call.claims = payload;
        if (payload.exp! - Date.now() / 1000 > 600) throw new Error('exp too far');
      } catch {
        return json(res, 401, { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest' });
      }
      const answer = options.override?.[`${req.method} ${req.url}`];
      if (answer) return answer(res, call);
      if (req.method === 'GET' && req.url === '/app') return json(res, 200, { id: appId, slug: 'remit-test', name: 'Remit test' });
      if (req.method === 'GET' && req.url === `/app/installations/${installationId}`) {
        return json(res, 200, { id: installationId, app_id: appId, suspended_at: options.suspended ? '2026-01-01T00:00:00Z' : null });
      }
      if (req.method === 'POST' && req.url === `/app/installations/${installationId}/access_tokens`) {
        return json(res, 201, {
          token: installationToken,
          expires_at: '2026-03-01T13:00:00Z',
          permissions: { contents: 'read' },
          repository_selection: 'selected',
        });
      }
      return json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  servers.push({ close });
  const access: GithubAppAccess = {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    appId,
    installationId,
    privateKey: appKeys.privateKey,
    allowCidrs: ['127.0.0.1/32'],
  };
  return { seen, access };
}

async function failure(work: Promise<unknown>): Promise<CredentialError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredentialError);
  return err as CredentialError;
}

function expectNoSecrets(...renderings: string[]) {
  const keyBody = appKeys.privateKey.split('\n')[5]!;
  for (const text of renderings) {
    for (const secret of [appKeys.privateKey, keyBody, installationToken, 'eyJ']) expect(text).not.toContain(secret);
  }
}

describe('githubAppJwt', () => {
  const frozen = new Date('2026-03-01T12:00:00Z');
  const t = frozen.getTime() / 1000;

  it('signs RS256 with iss = app id, iat 60 s back, exp 9 minutes ahead (known clock)', async () => {
    const jwt = await githubAppJwt(appId, appKeys.privateKey, frozen);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, createPublicKey(appKeys.publicKey), { algorithms: ['RS256'], currentDate: frozen });
    expect(payload).toEqual({ iss: '12345', iat: t - 60, exp: t + 540 });
  });

  it('reads a PKCS#8 key as well as GitHub’s PKCS#1 file', async () => {
    const pkcs8 = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const jwt = await githubAppJwt(appId, pkcs8.privateKey, frozen);
    await expect(jwtVerify(jwt, createPublicKey(pkcs8.publicKey), { currentDate: frozen })).resolves.toBeTruthy();
  });

  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const badKeys: [string, string][] = [
    ['empty', ''],
    ['not PEM', 'ghp_notakeyatall'],
    ['truncated', appKeys.privateKey.slice(0, 400)],
    ['a public key', appKeys.publicKey],
    ['an EC key', ec.privateKey],
  ];
  it.each(badKeys)('refuses %s without quoting it', async (_label, pem) => {
    const err = await failure(githubAppJwt(appId, pem, frozen));
    expect(err.code).toBe('github_app_token_failed');
    expect(err.message).toBe("The privateKey is not a PEM RSA private key (use the .pem file from the GitHub App's settings).");
    if (pem) expect(inspect(err)).not.toContain(pem);
  });
});

describe('githubInstallationToken against a fake GitHub', () => {
  it('POSTs to the installation with a valid JWT and GitHub’s headers, and returns the token', async () => {
    const { seen, access } = await fakeGithub();
    const before = Math.floor(Date.now() / 1000);
    expect(await githubInstallationToken(access)).toEqual({ token: installationToken, expiresAt: '2026-03-01T13:00:00Z' });
    expect(seen).toHaveLength(1);
    const call = seen[0]!;
    expect(call).toMatchObject({ method: 'POST', path: `/app/installations/${installationId}/access_tokens`, alg: 'RS256' });
    expect(call.headers).toMatchObject({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'remit' });
    expect(call.claims!.iss).toBe('12345');
    expect(call.claims!.iat).toBeGreaterThanOrEqual(before - 60);
    expect(call.claims!.iat).toBeLessThanOrEqual(before - 60 + 5);
    expect(call.claims!.exp! - call.claims!.iat!).toBe(600);
  });

  it('a key that is not the app’s is rejected by GitHub, and said so', async () => {
    const { access } = await fakeGithub();
    const err = await failure(githubInstallationToken({ ...access, privateKey: strangerKeys.privateKey }));
    expect(err).toMatchObject({
      code: 'github_app_token_failed',
      message: "GitHub rejected the app's key (check appId and privateKey).",
      details: { httpStatus: 401, requestId: 'C0DE:1234:5678AB:9ABCDE:65F00000' },
    });
  });

  it('a wrong app id fails the same way', async () => {
    const { access } = await fakeGithub();
    expect((await failure(githubInstallationToken({ ...access, appId: 999 }))).details?.httpStatus).toBe(401);
  });

  it('an unknown installation is named', async () => {
    const { access } = await fakeGithub();
    const err = await failure(githubInstallationToken({ ...access, installationId: 11 }));
    expect(err.message).toBe('GitHub has no such installation 11 for app 12345 (check installationId; the app may have been uninstalled).');
  });

  it('a redirect is not followed: the JWT never reaches the second host', async () => {
    const elsewhere = await fakeGithub();
    const { access, seen } = await fakeGithub({
      override: {
        [`POST /app/installations/${installationId}/access_tokens`]: (res) =>
          res.writeHead(307, { location: `${elsewhere.access.apiUrl}/app/installations/${installationId}/access_tokens` }).end(),
      },
    });
    const err = await failure(githubInstallationToken(access));
    expect(err.details?.providerCode).toBe('egress_too_many_redirects');
    expect(seen).toHaveLength(1);
    expect(elsewhere.seen).toEqual([]);
  });

  it('the egress guard holds: loopback is refused unless the connection allows it', async () => {
    const { access, seen } = await fakeGithub();
    const err = await failure(githubInstallationToken({ ...access, allowCidrs: [] }));
    expect(err.details?.providerCode).toBe('egress_blocked');
    expect(seen).toEqual([]);
  });

  it('a 201 without a well-formed token is refused, without quoting what came back', async () => {
    const { access } = await fakeGithub({
      override: { [`POST /app/installations/${installationId}/access_tokens`]: (res) => json(res, 201, { token: installationToken, expires_at: 'tomorrow' }) },
    });
    const err = await failure(githubInstallationToken(access));
    expect(err.message).toBe('GitHub answered 201 without an installation token.');
    expectNoSecrets(err.message, JSON.stringify(err), inspect(err, { depth: 10 }));
  });

  it('no error carries the private key, the JWT or the token, even when GitHub echoes them', async () => {
    const echo: Answer = (res, call) => json(res, 500, { message: `boom ${installationToken} ${call.headers.authorization} ${appKeys.privateKey}` });
    const { access } = await fakeGithub({ override: { [`POST /app/installations/${installationId}/access_tokens`]: echo, 'GET /app': echo } });
    const err = await failure(githubInstallationToken(access));
    expect(err.message).toBe('GitHub answered HTTP 500; try again in a minute.');
    const verdict = await verifyGithubApp(access);
    expect(verdict).toEqual({ ok: false, reason: 'GitHub answered HTTP 500; try again in a minute.' });
    expectNoSecrets(err.message, JSON.stringify(err), inspect(err, { depth: 10 }), String(err.stack), JSON.stringify(verdict));
  });
});

describe('verifyGithubApp against a fake GitHub', () => {
  it('checks GET /app and then the installation, and answers ok', async () => {
    const { access, seen } = await fakeGithub();
    expect(await verifyGithubApp(access)).toEqual({ ok: true });
    expect(seen.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /app', `GET /app/installations/${installationId}`]);
    expect(seen.every((c) => c.claims?.iss === '12345' && c.headers.accept === 'application/vnd.github+json')).toBe(true);
  });

  const refusals: [string, Partial<GithubAppAccess>, { suspended?: boolean }, string][] = [
    ['a stranger’s key', { privateKey: strangerKeys.privateKey }, {}, "GitHub rejected the app's key (check appId and privateKey)."],
    ['a wrong app id', { appId: 4242 }, {}, "GitHub rejected the app's key (check appId and privateKey)."],
    [
      'an unknown installation',
      { installationId: 11 },
      {},
      'GitHub has no such installation 11 for app 12345 (check installationId; the app may have been uninstalled).',
    ],
    [
      'a suspended installation',
      {},
      { suspended: true },
      `Installation ${installationId} of app 12345 is suspended; unsuspend it in the account's GitHub App settings.`,
    ],
    [
      'a key that is not PEM',
      { privateKey: 'not-a-key' },
      {},
      "The privateKey is not a PEM RSA private key (use the .pem file from the GitHub App's settings).",
    ],
  ];
  it.each(refusals)('refuses %s with a reason', async (_label, change, fake, reason) => {
    const { access } = await fakeGithub(fake);
    const verdict = await verifyGithubApp({ ...access, ...change });
    expect(verdict).toEqual({ ok: false, reason });
    expectNoSecrets(JSON.stringify(verdict));
  });

  it('an apiUrl without the app API (a GHES host without /api/v3) is named', async () => {
    const { access } = await fakeGithub({ override: { 'GET /app': (res) => json(res, 404, { message: 'Not Found' }) } });
    expect(await verifyGithubApp(access)).toEqual({ ok: false, reason: "GitHub has no app API at this apiUrl (GitHub Enterprise Server's ends in /api/v3)." });
  });
});
