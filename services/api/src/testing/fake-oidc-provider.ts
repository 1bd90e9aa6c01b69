import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A FAKE OpenID provider for tests: a loopback HTTP server (127.0.0.1, a random port) with
 * discovery, /authorize, /token and /jwks, for the console's real OIDC client code to talk to.
 * It keeps the checks a real provider makes on the code flow (client, redirect URI, one-time
 * codes, PKCE S256) and records every request, so tests can see what the client sent.
 */

export interface FakeOidcKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Hostile tests: what ID tokens issued from now on look like. */
export interface FakeIdTokenForgery {
  /** Rewrites the honest claims (iss, aud, sub, email, groups, nonce, iat, exp, and the user's own). */
  claims?: (honest: Record<string, unknown>) => Record<string, unknown>;
  /** Signs the token instead of the published key: another key, `alg: none`, HMAC… */
  sign?: (claims: Record<string, unknown>, published: FakeOidcKey) => Promise<string>;
}

export interface FakeOidcBehaviour {
  /** /authorize sends the browser back with this error (RFC 6749 §4.1.2.1) instead of a code. */
  authorizeError?: string | undefined;
  /** Discovery answers 503. */
  discoveryDown?: boolean | undefined;
  /** Merged over the discovery document. */
  discovery?: Record<string, unknown> | undefined;
  idToken?: FakeIdTokenForgery | undefined;
}

export interface FakeOidcRequest {
  method: string;
  /** The path below the issuer: /.well-known/openid-configuration, /authorize, /token, /jwks. */
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  authorization: string | undefined;
}

export interface FakeOidcProviderOptions {
  clientId: string;
  /** Set: /token requires client_secret_basic with it. Unset: a public client (client_id in the body). */
  clientSecret?: string;
  redirectUri: string;
  /** Who signs in at /authorize: `sub` and any claims to put in the ID token (email, groups…). */
  user: { sub: string } & Record<string, unknown>;
  /** Default RS256. */
  algorithm?: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
}

export interface FakeOidcProvider {
  /** http://127.0.0.1:PORT/oidc — with a path, as many providers' issuers have. */
  issuer: string;
  key: FakeOidcKey;
  requests: FakeOidcRequest[];
  /** Change freely between steps of a test. */
  behaviour: FakeOidcBehaviour;
  user: { sub: string } & Record<string, unknown>;
}

interface IssuedCode {
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  user: Record<string, unknown>;
  used: boolean;
}

/** Runs `cb` against a fresh fake provider and always closes it afterwards. */
export async function withFakeOidcProvider<T>(options: FakeOidcProviderOptions, cb: (idp: FakeOidcProvider) => Promise<T>): Promise<T> {
  const key = await createFakeOidcKey(options.algorithm ?? 'RS256');
  const codes = new Map<string, IssuedCode>();
  let issuer = '';
  const idp: FakeOidcProvider = { issuer, key, requests: [], behaviour: {}, user: { ...options.user } };

  const routes: Record<string, (req: FakeOidcRequest, res: ServerResponse) => Promise<void> | void> = {
    'GET /.well-known/openid-configuration': (_req, res) => {
      if (idp.behaviour.discoveryDown) return json(res, 503, { error: 'temporarily_unavailable' });
      json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [key.alg],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: [options.clientSecret ? 'client_secret_basic' : 'none'],
        // RFC 9207: the callback names the issuer, so the client can tell providers apart.
        authorization_response_iss_parameter_supported: true,
        ...idp.behaviour.discovery,
      });
    },
    'GET /authorize': (req, res) => {
      const q = req.query;
      // RFC 6749 §4.1.2.1: a bad client or redirect URI is shown to the user, never redirected to.
      if (q['client_id'] !== options.clientId || q['redirect_uri'] !== options.redirectUri) return json(res, 400, { error: 'invalid_request' });
      const back = new URL(options.redirectUri);
      const answer = (params: Record<string, string | undefined>) => {
        for (const [name, value] of Object.entries({ ...params, state: q['state'], iss: issuer })) if (value !== undefined) back.searchParams.set(name, value);
        res.writeHead(302, { location: back.href }).end();
      };
      if (idp.behaviour.authorizeError) return answer({ error: idp.behaviour.authorizeError });
      if (q['response_type'] !== 'code' || !q['scope']?.split(' ').includes('openid')) return answer({ error: 'invalid_request' });
      if (q['code_challenge_method'] !== 'S256' || !q['code_challenge'])
        return answer({ error: 'invalid_request', error_description: 'PKCE S256 is required' });
      const code = randomBytes(16).toString('base64url');
      codes.set(code, { redirectUri: q['redirect_uri'], challenge: q['code_challenge'], nonce: q['nonce'], user: { ...idp.user }, used: false });
      answer({ code });
    },
    'POST /token': async (req, res) => {
      const f = req.form;
      if (!clientAuthenticated(req, options)) {
        res.setHeader('www-authenticate', 'Basic realm="fake-oidc"');
        return json(res, 401, { error: 'invalid_client' });
      }
      if (f['grant_type'] !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
      const issued = codes.get(f['code'] ?? '');
      if (!issued || issued.used || f['redirect_uri'] !== issued.redirectUri) return json(res, 400, { error: 'invalid_grant' });
      // RFC 6749 §4.1.2: a code works once, whatever happens next.
      issued.used = true;
      const challenge = createHash('sha256')
        .update(f['code_verifier'] ?? '')
        .digest('base64url');
      if (challenge !== issued.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      const now = Math.floor(Date.now() / 1000);
      const honest = { ...issued.user, iss: issuer, aud: options.clientId, nonce: issued.nonce, iat: now, exp: now + 300 };
      const forgery = idp.behaviour.idToken;
      const claims = forgery?.claims ? forgery.claims(honest) : honest;
      const idToken = forgery?.sign ? await forgery.sign(claims, key) : await signIdToken(claims, key);
      json(res, 200, { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    },
    'GET /jwks': (_req, res) => json(res, 200, { keys: [key.publicJwk] }),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(err) });
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const body = await readBody(req);
    const request: FakeOidcRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.startsWith('/oidc/') ? url.pathname.slice('/oidc'.length) : url.pathname,
      query: Object.fromEntries(url.searchParams),
      form: req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : {},
      authorization: req.headers.authorization,
    };
    idp.requests.push(request);
    const route = routes[`${request.method} ${request.path}`];
    if (!route) return json(res, 404, { error: 'not_found' });
    await route(request, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
    idp.issuer = issuer;
    return await cb(idp);
  } finally {
    // fetch keeps connections alive; drop them so close() does not wait for their timeout.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A signing key as a provider publishes it: kid is the JWK thumbprint. */
export async function createFakeOidcKey(alg: string, kid?: string): Promise<FakeOidcKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const id = kid ?? (await calculateJwkThumbprint(jwk));
  return { alg, kid: id, privateKey, publicJwk: { ...jwk, kid: id, alg, use: 'sig' } };
}

export function signIdToken(claims: Record<string, unknown>, key: FakeOidcKey): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** RFC 6749 §2.3.1: client_secret_basic encodes id and secret form-urlencoded before base64. */
function clientAuthenticated(req: FakeOidcRequest, options: FakeOidcProviderOptions): boolean {
  if (options.clientSecret === undefined) return !req.authorization && req.form['client_id'] === options.clientId && req.form['client_secret'] === undefined;
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.authorization ?? '')?.[1];
  if (!basic) return false;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  return formDecode(decoded.slice(0, colon)) === options.clientId && formDecode(decoded.slice(colon + 1)) === options.clientSecret;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
