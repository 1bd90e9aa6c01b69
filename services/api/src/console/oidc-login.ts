import { timingSafeEqual } from 'node:crypto';
import { RemitError, isLoopbackHost, isRemitError, type ConfigEnv, type Principal } from '@remit/core';
import { toPrincipal } from '@remit/identity';
import * as oauth from 'oauth4webapi';

/**
 * The console's sign-in: OpenID Connect's authorization-code flow (OIDC Core §3.1) with PKCE
 * (RFC 7636, S256, always) against the configured issuer, through oauth4webapi. The ID token is
 * checked for issuer, audience (our client id), nonce, expiry, the pinned algorithm and its
 * signature against the issuer's published keys, and read with the bearer verifier's mapping.
 */

export interface OidcLoginSettings {
  issuer: string;
  clientId: string;
  /** Sent with HTTP Basic (client_secret_basic); unset: a public client, held by PKCE alone. */
  clientSecret?: string | undefined;
  /** Where the IdP sends the browser back; registered with the IdP for this client. */
  redirectUri: string;
  /** Must include openid. */
  scopes: string[];
  /** Top-level ID token claim holding the user's groups (REMIT_OIDC_GROUPS_CLAIM). */
  groupsClaim: string;
  /** RFC 8725 §3.1: the one algorithm ID tokens may be signed with, never read from the token. */
  algorithm: OidcAlgorithm;
  /** tests: allow http on loopback only */
  allowLoopbackHttp?: boolean;
  /** Every request to the IdP goes through it; default the global fetch. */
  fetch?: typeof fetch;
}

export type OidcAlgorithm = ConfigEnv['REMIT_OIDC_ALG'];

/** The state kept for one login between the redirect to the IdP and its callback (the console stores it server-side, keyed by a short-lived HttpOnly cookie). */
export interface OidcLoginFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  createdAt: number;
}

export interface OidcLogin {
  /** The IdP URL to send the browser to, and the flow to keep until it comes back. */
  begin(returnTo: string): Promise<{ url: string; flow: OidcLoginFlow }>;
  /** The signed-in user, from the callback URL the browser arrived on and the flow `begin` made; or a RemitError. */
  finish(callbackUrl: URL, flow: OidcLoginFlow): Promise<Principal>;
}

/** How long a login may take from `begin` to `finish`. */
export const oidcFlowLifetimeMs = 10 * 60_000;
/** Each request to the IdP (discovery, token, keys) is abandoned after this. */
const idpTimeoutMs = 5_000;
const algorithms: readonly OidcAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Creates the console's OIDC login for one issuer and client; discovery happens on first use. */
export function createOidcLogin(settings: OidcLoginSettings): OidcLogin {
  const { clientId, clientSecret, redirectUri, groupsClaim, algorithm } = settings;
  const scopes = [...settings.scopes];
  const issuer = parseUrl(settings.issuer, 'issuer');
  const allowLoopbackHttp = settings.allowLoopbackHttp === true;
  if (!endpointAllowed(issuer, allowLoopbackHttp)) throw new TypeError('issuer must be an https URL (http only on loopback, for tests)');
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string');
  if (!/^https?:$/.test(parseUrl(redirectUri, 'redirectUri').protocol)) throw new TypeError('redirectUri must be an http(s) URL');
  if (!scopes.includes('openid')) throw new TypeError('scopes must include openid');
  if (typeof groupsClaim !== 'string' || groupsClaim === '') throw new TypeError('groupsClaim must be a non-empty string');
  if (!algorithms.includes(algorithm)) throw new TypeError(`algorithm must be one of ${algorithms.join(', ')}`);

  const client: oauth.Client = { client_id: clientId, id_token_signed_response_alg: algorithm };
  const clientAuth = clientSecret ? oauth.ClientSecretBasic(clientSecret) : oauth.None();
  const http = {
    signal: () => AbortSignal.timeout(idpTimeoutMs),
    [oauth.customFetch]: settings.fetch,
    // Only reached for an http issuer, which endpointAllowed admitted on loopback only.
    [oauth.allowInsecureRequests]: issuer.protocol === 'http:',
  };

  // One discovery shared by every login; a failed one is forgotten, so the next login retries.
  let discovered: Promise<oauth.AuthorizationServer> | undefined;
  const discover = () => {
    if (discovered) return discovered;
    const attempt = discoverIssuer(issuer, algorithm, allowLoopbackHttp, http);
    discovered = attempt;
    attempt.catch(() => {
      if (discovered === attempt) discovered = undefined;
    });
    return attempt;
  };

  return {
    async begin(returnTo) {
      if (!isConsoleReturnTo(returnTo))
        throw new RemitError('validation_failed', 'returnTo: expected a path under /console on this site, such as /console/runs.');
      const as = await discover();
      const flow: OidcLoginFlow = {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        codeVerifier: oauth.generateRandomCodeVerifier(),
        returnTo,
        createdAt: Date.now(),
      };
      const url = new URL(as.authorization_endpoint as string);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', scopes.join(' '));
      url.searchParams.set('state', flow.state);
      url.searchParams.set('nonce', flow.nonce);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return { url: url.href, flow };
    },

    async finish(callbackUrl, flow) {
      const age = Date.now() - flow.createdAt;
      if (!(age <= oidcFlowLifetimeMs)) {
        throw new RemitError('invalid_oauth_state', 'This sign-in took longer than 10 minutes and has expired; sign in again.', {
          details: { reason: 'expired' },
        });
      }
      const given = callbackUrl.searchParams.getAll('state');
      if (given.length !== 1 || !sameSecret(given[0] as string, flow.state)) {
        // Login CSRF (RFC 6749 §10.12): a callback this browser's login did not start.
        throw new RemitError('invalid_oauth_state', 'This sign-in response does not belong to the sign-in this browser started; sign in again.', {
          details: { reason: 'wrong_state' },
        });
      }
      const as = await discover();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callbackUrl, flow.state);
      } catch (err) {
        if (err instanceof oauth.AuthorizationResponseError) throw providerRefused(err.error, err);
        throw new RemitError('invalid_oauth_state', 'The identity provider’s sign-in response is malformed or names another issuer; sign in again.', {
          cause: err,
          details: { reason: 'malformed_response' },
        });
      }
      if (!params.get('code')) {
        throw new RemitError('validation_failed', 'code: the identity provider sent the browser back without an authorization code; sign in again.');
      }

      let claims: oauth.IDToken;
      try {
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, flow.codeVerifier, http);
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: flow.nonce, requireIdToken: true });
        claims = oauth.getValidatedIdTokenClaims(result) as oauth.IDToken;
        // The ID token came straight from the token endpoint over TLS (OIDC Core §3.1.3.7 lets
        // that stand in for a signature), but we check the signature too, against the issuer's keys.
        try {
          await oauth.validateApplicationLevelSignature(as, response, http);
        } catch (err) {
          throw exchangeFailed(signatureFailure(err), err);
        }
      } catch (err) {
        throw isRemitError(err) ? err : exchangeFailed(exchangeFailure(err), err);
      }
      try {
        return toPrincipal(claims, groupsClaim);
      } catch (err) {
        const reason = isRemitError(err) && err.details?.['reason'] === 'bad_groups' ? 'bad_groups' : 'bad_claim';
        throw exchangeFailed(reason, err, groupsClaim);
      }
    },
  };
}

/**
 * Whether `value` is a path under /console on this site, safe to redirect to after sign-in.
 * Only RFC 3986 path, query and fragment characters are allowed: no backslash (browsers read it
 * as a slash), no control or space characters (the URL parser drops tabs and newlines, so
 * `/\t/evil` would become `//evil`), and the path must still be under /console once dot
 * segments, encoded ones included, are resolved.
 */
export function isConsoleReturnTo(value: string): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  if (!/^\/console(?:[/?#]|$)/.test(value) || !/^[\w\-.~!$&'()*+,;=:@/?#%]*$/.test(value)) return false;
  const base = new URL('https://console.invalid');
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return false;
  }
  return resolved.origin === base.origin && (resolved.pathname === '/console' || resolved.pathname.startsWith('/console/'));
}

/** Fetches and checks the issuer's discovery document (OIDC Discovery §4). */
async function discoverIssuer(
  issuer: URL,
  algorithm: OidcAlgorithm,
  allowLoopbackHttp: boolean,
  http: oauth.HttpRequestOptions<'GET'>,
): Promise<oauth.AuthorizationServer> {
  let as: oauth.AuthorizationServer;
  try {
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, http));
  } catch (err) {
    throw new RemitError(
      'not_ready',
      'The identity provider could not be reached, or its discovery document was not usable; try again in a minute. If it persists, an admin should check REMIT_OIDC_ISSUER.',
      { cause: err, details: { reason: 'discovery_failed' } },
    );
  }
  const problem = metadataProblem(as, algorithm, allowLoopbackHttp);
  if (problem)
    throw new RemitError('not_ready', `The identity provider cannot be used for sign-in: ${problem}.`, { details: { reason: 'discovery_unusable' } });
  return as;
}

function metadataProblem(as: oauth.AuthorizationServer, algorithm: OidcAlgorithm, allowLoopbackHttp: boolean): string | undefined {
  for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    const value = as[name];
    let url: URL | undefined;
    try {
      url = typeof value === 'string' ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || !endpointAllowed(url, allowLoopbackHttp)) return `its ${name} is missing or not an https URL`;
  }
  const algs = as.id_token_signing_alg_values_supported;
  if (Array.isArray(algs) && !algs.includes(algorithm)) {
    // The list comes from the provider: only algorithm-shaped names are repeated to the browser.
    const offered = algs.filter((alg): alg is string => typeof alg === 'string' && /^[A-Za-z0-9-]{1,32}$/.test(alg));
    return `it signs ID tokens with ${offered.join(', ') || 'other algorithms'}, not REMIT_OIDC_ALG=${algorithm}; set REMIT_OIDC_ALG to one of those`;
  }
  const pkce = as.code_challenge_methods_supported;
  if (Array.isArray(pkce) && !pkce.includes('S256')) return 'it does not support PKCE with S256, which the console always uses';
  return undefined;
}

function endpointAllowed(url: URL, allowLoopbackHttp: boolean): boolean {
  return url.protocol === 'https:' || (allowLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

function parseUrl(value: string, name: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL`);
  }
}

/** Constant-time after the length check; both sides are ours or the browser's, never secret-length. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// RFC 6749 §4.1.2.1 and OIDC Core §3.1.2.6 error codes: what to tell the person signing in.
const providerErrorAdvice: Record<string, string> = {
  access_denied: 'the sign-in was declined or cancelled; sign in again, or ask your IdP admin to assign you the Remit console application',
  login_required: 'you need to sign in at the identity provider first; sign in again',
  interaction_required: 'the identity provider needs you to act on its page; sign in again',
  consent_required: 'the identity provider needs your consent for Remit; sign in again and approve it',
  account_selection_required: 'choose an account at the identity provider; sign in again',
  temporarily_unavailable: 'the identity provider is busy; try again in a minute',
  server_error: 'the identity provider failed; try again in a minute',
};
const misconfiguredAdvice =
  'an admin should check REMIT_OIDC_CLIENT_ID, REMIT_OIDC_SCOPES and the redirect URI registered for the console at the identity provider';
// Error codes are short ASCII words and safe to show; anything else is not echoed.
const shownProviderError = (error: string) => (/^[a-z_]{1,64}$/.test(error) ? error : 'unrecognised error');

function providerRefused(error: string, cause: unknown): RemitError {
  const shown = shownProviderError(error);
  const advice = Object.hasOwn(providerErrorAdvice, shown) ? providerErrorAdvice[shown] : misconfiguredAdvice;
  return new RemitError('oauth_provider_refused', `The identity provider did not sign you in (${shown}): ${advice}.`, {
    cause,
    details: { reason: 'provider_error', error: shown },
  });
}

/** Why the code exchange or the ID token was refused; `details.reason` of oauth_exchange_failed. */
type ExchangeFailure =
  | 'refused'
  | 'client_rejected'
  | 'unreachable'
  | 'invalid_response'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_nonce'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_algorithm'
  | 'unknown_key'
  | 'keys_unavailable'
  | 'bad_signature'
  | 'bad_claim'
  | 'bad_groups';

const checkSettings = 'if it keeps happening, an admin should check the REMIT_OIDC_* settings against the identity provider';
const exchangeMessages: Record<ExchangeFailure, (groupsClaim?: string) => string> = {
  refused: () => 'The identity provider refused the sign-in code: it was used already, has expired, or belongs to another sign-in. Sign in again.',
  client_rejected: () =>
    'The identity provider did not accept the console’s client credentials; an admin should check REMIT_OIDC_CLIENT_ID and REMIT_OIDC_CLIENT_SECRET.',
  unreachable: () => 'The identity provider could not be reached to finish the sign-in; try again in a minute.',
  invalid_response: () => `The identity provider’s answer could not be used to sign you in; sign in again, and ${checkSettings}.`,
  wrong_issuer: () => 'The ID token names another issuer than REMIT_OIDC_ISSUER; an admin should check that setting.',
  wrong_audience: () => 'The ID token was issued to another client than REMIT_OIDC_CLIENT_ID; an admin should check that setting.',
  wrong_nonce: () => 'The ID token does not belong to the sign-in this browser started; sign in again.',
  expired: () => 'The ID token had expired when it arrived; sign in again, and if it keeps happening check this server’s clock.',
  not_yet_valid: () => 'The ID token is not valid yet; check this server’s clock, then sign in again.',
  wrong_algorithm: () => 'The ID token is not signed with REMIT_OIDC_ALG; an admin should set it to the algorithm the identity provider signs ID tokens with.',
  unknown_key: () => `The ID token is signed with a key the identity provider does not publish; sign in again, and ${checkSettings}.`,
  keys_unavailable: () => 'The identity provider’s signing keys could not be loaded; try again in a minute.',
  bad_signature: () => 'The ID token’s signature does not verify against the identity provider’s keys; sign in again.',
  bad_claim: () => `The ID token’s sub or email claim has the wrong type; ${checkSettings}.`,
  bad_groups: (claim) =>
    `The ID token’s "${claim}" claim is not a list of group names; an admin should check REMIT_OIDC_GROUPS_CLAIM and the identity provider’s claim mapping.`,
};

function exchangeFailed(reason: ExchangeFailure, cause: unknown, groupsClaim?: string): RemitError {
  return new RemitError('oauth_exchange_failed', exchangeMessages[reason](groupsClaim), { cause, details: { reason } });
}

/** oauth4webapi's failures of the token request and ID token checks, as our reasons. */
function exchangeFailure(err: unknown): ExchangeFailure {
  if (err instanceof oauth.ResponseBodyError) return err.error === 'invalid_client' || err.error === 'unauthorized_client' ? 'client_rejected' : 'refused';
  // RFC 6749 §5.2: a failed client_secret_basic answers 401 with a WWW-Authenticate challenge.
  if (err instanceof oauth.WWWAuthenticateChallengeError) return 'client_rejected';
  if (err instanceof oauth.OperationProcessingError) {
    // Claim comparisons name the claim in `cause`; the alg check and a missing nonce say it only
    // in the message (the alg none, HS256 and no-nonce tests pin both).
    const claim = isRecord(err.cause) ? err.cause['claim'] : undefined;
    if (claim === 'iss') return 'wrong_issuer';
    if (claim === 'aud' || claim === 'azp') return 'wrong_audience';
    if (claim === 'nonce' || /"nonce"/.test(err.message)) return 'wrong_nonce';
    if (claim === 'exp') return 'expired';
    if (claim === 'nbf') return 'not_yet_valid';
    if (/"alg"/.test(err.message)) return 'wrong_algorithm';
    return 'invalid_response';
  }
  if (err instanceof oauth.UnsupportedOperationError) return 'invalid_response';
  return isNetworkFailure(err) ? 'unreachable' : 'invalid_response';
}

function signatureFailure(err: unknown): ExchangeFailure {
  if (err instanceof oauth.OperationProcessingError && err.code === oauth.KEY_SELECTION) return 'unknown_key';
  if (err instanceof oauth.OperationProcessingError && /signature verification failed/.test(err.message)) return 'bad_signature';
  if (err instanceof oauth.UnsupportedOperationError) return 'bad_signature';
  return 'keys_unavailable';
}

/** fetch rejects with a bare TypeError when the peer is unreachable, and a DOMException on timeout. */
function isNetworkFailure(err: unknown): boolean {
  return (err instanceof TypeError && !('code' in err)) || (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'));
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
