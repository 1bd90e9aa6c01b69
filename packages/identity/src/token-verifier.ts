import type { Principal } from '@remit/core';
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { invalidToken, type InvalidTokenReason } from './invalid-token.ts';
import { translateJoseError } from './translate-jose-error.ts';

/** The asymmetric algorithms an issuer may be pinned to; HMAC and `none` are never accepted. */
const TokenAlgorithm = { RS256: 'RS256', PS256: 'PS256', ES256: 'ES256', EdDSA: 'EdDSA' } as const;
type TokenAlgorithm = (typeof TokenAlgorithm)[keyof typeof TokenAlgorithm];

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** RFC 8725 §3.1: exactly one algorithm, chosen by us, never read from the token. */
  algorithm: TokenAlgorithm;
  keys: JWTVerifyGetKey;
  /** Top-level claim holding the caller's groups; default 'groups'. */
  groupsClaim?: string;
  /** Allowed clock skew for exp/nbf (RFC 7519 §4.1.4 "some small leeway"); default 30, at most 60. */
  clockToleranceSeconds?: number;
  /** Longer tokens are refused before any decoding; default 8192. */
  maxTokenBytes?: number;
  /** The verifier's clock, for tests; default the system clock. */
  now?: () => Date;
  /** What to tell a caller refused for a reason, where this issuer knows better than the generic text (the development issuer). */
  messages?: Partial<Record<InvalidTokenReason, string>>;
}

export interface TokenVerifier {
  /** Resolves to the caller, or throws RemitError('invalid_token') with `details.reason`. */
  verify(token: string): Promise<Principal>;
}

// RFC 7519 §4.1 makes every registered claim optional; we require the ones that bind a token
// to a caller (sub), to us (iss, aud; RFC 8725 §3.8, §3.9) and to a lifetime (exp).
const requiredClaims = ['exp', 'sub', 'iss', 'aud'];
const maxClockToleranceSeconds = 60;
// RFC 7515 §7.1 and §2: compact JWS is three base64url segments, no padding, no whitespace.
// jose's decoder tolerates both, so one signed token would have many accepted spellings
// (trouble for anything keyed on the token string). The signature may be empty here so an
// `alg: none` token is reported as wrong_algorithm. No nested quantifiers: linear time.
const compactJws = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** Checks OIDC bearer tokens against one issuer, one audience and one pinned algorithm. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, audience, algorithm, keys, now } = options;
  const groupsClaim = options.groupsClaim ?? 'groups';
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  if (!Object.hasOwn(TokenAlgorithm, algorithm)) throw new TypeError(`algorithm must be one of ${Object.keys(TokenAlgorithm).join(', ')}`);
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('issuer must be a non-empty string');
  if (typeof audience !== 'string' || audience === '') throw new TypeError('audience must be a non-empty string');
  if (typeof keys !== 'function') throw new TypeError('keys must be a key function (createLocalJWKSet, remoteJwks)');
  if (typeof groupsClaim !== 'string' || groupsClaim === '') throw new TypeError('groupsClaim must be a non-empty string');
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0 || clockTolerance > maxClockToleranceSeconds) {
    throw new TypeError(`clockToleranceSeconds must be between 0 and ${maxClockToleranceSeconds}`);
  }
  if (!Number.isSafeInteger(maxTokenBytes) || maxTokenBytes < 1) throw new TypeError('maxTokenBytes must be a positive integer');

  return {
    async verify(token) {
      // Bound the work an unauthenticated caller can cause: nothing is decoded, parsed or
      // fetched for an oversized token. A UTF-16 unit is at least one UTF-8 byte, so the cheap
      // length test settles most cases before byteLength walks the string.
      if (typeof token !== 'string') throw invalidToken('malformed');
      if (token.length > maxTokenBytes || Buffer.byteLength(token, 'utf8') > maxTokenBytes) throw invalidToken('too_large');
      if (!compactJws.test(token)) throw invalidToken('malformed');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: [algorithm],
          issuer,
          audience,
          requiredClaims,
          clockTolerance,
          currentDate: now?.(),
        }));
      } catch (err) {
        const refused = translateJoseError(err);
        const reason = refused.details?.reason as InvalidTokenReason;
        const message = options.messages?.[reason];
        throw message === undefined ? refused : invalidToken(reason, { cause: refused.cause, message });
      }
      return toPrincipal(payload, groupsClaim);
    },
  };
}

/**
 * Reads the caller from verified claims (a bearer token's, or the console login's ID token). An
 * absent groups claim means no groups; a present but malformed one is refused with
 * RemitError('invalid_token', reason bad_claim or bad_groups), because silently dropping it
 * could hide an IdP misconfiguration.
 */
export function toPrincipal(payload: JWTPayload, groupsClaim: string): Principal {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub === '') throw invalidToken('bad_claim');
  return { sub, email: readEmail(payload), groups: readGroups(payload, groupsClaim) };
}

function readEmail(payload: JWTPayload): string | null {
  const email = payload['email'];
  if (email === undefined || email === null) return null;
  if (typeof email !== 'string') throw invalidToken('bad_claim');
  // OIDC Core §5.1: an address the IdP says it has not verified could be anyone's; role
  // bindings match on email, so it must not count. Absent email_verified is trusted (many
  // IdPs omit it for addresses they manage).
  return payload['email_verified'] === false ? null : email;
}

function readGroups(payload: JWTPayload, claim: string): string[] {
  // Object.hasOwn, not `in`: a claim name such as 'constructor' must not read the prototype.
  if (!Object.hasOwn(payload, claim)) return [];
  const groups = payload[claim];
  if (!Array.isArray(groups) || !groups.every((g): g is string => typeof g === 'string')) throw invalidToken('bad_groups');
  return [...groups];
}
