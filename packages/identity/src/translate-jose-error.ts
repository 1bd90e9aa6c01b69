import type { RemitError } from '@remit/core';
import { errors } from 'jose';
import { invalidToken, type InvalidTokenReason } from './invalid-token.ts';

/**
 * Every jose error code and what it means for a bearer token. Typed as a full Record so a
 * jose upgrade that adds a code fails the type-check here instead of reaching a client.
 */
const reasonByCode: Record<errors.JOSEErrorCode, InvalidTokenReason> = {
  // RFC 8725 §3.1: only the one pinned algorithm is accepted; jose checks this before any key
  // lookup, so `none` and HS256-with-the-public-key never reach a key.
  ERR_JOSE_ALG_NOT_ALLOWED: 'wrong_algorithm',
  // Only createRemoteJWKSet throws the bare class: a non-200 or non-JSON answer from the IdP.
  ERR_JOSE_GENERIC: 'keys_unavailable',
  // RFC 7515 §4.1.11: a `crit` extension we do not understand MUST make the JWS invalid.
  ERR_JOSE_NOT_SUPPORTED: 'unsupported',
  // We only verify JWS; a JWE error cannot come from jwtVerify, but a compact token shaped
  // like one is still just malformed input.
  ERR_JWE_DECRYPTION_FAILED: 'malformed',
  ERR_JWE_INVALID: 'malformed',
  ERR_JWK_INVALID: 'keys_unavailable',
  ERR_JWKS_INVALID: 'keys_unavailable',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'ambiguous_key',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown_key',
  ERR_JWKS_TIMEOUT: 'keys_unavailable',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad_signature',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'bad_claim',
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_INVALID: 'malformed',
};

/** Claim failures share one code; the failing claim and jose's reason say which check it was. */
function claimReason(err: errors.JWTClaimValidationFailed): InvalidTokenReason {
  if (err.reason === 'missing') return 'missing_claim';
  if (err.reason === 'check_failed') {
    if (err.claim === 'nbf') return 'not_yet_valid';
    if (err.claim === 'iss') return 'wrong_issuer';
    if (err.claim === 'aud') return 'wrong_audience';
  }
  return 'bad_claim';
}

function isKnownCode(code: string): code is errors.JOSEErrorCode {
  return Object.hasOwn(reasonByCode, code);
}

/** Turns anything jwtVerify or a key function throws into `invalid_token` with a reason. */
export function translateJoseError(err: unknown): RemitError {
  if (!(err instanceof errors.JOSEError) || !isKnownCode(err.code)) return invalidToken('unverifiable', { cause: err });
  const reason = err instanceof errors.JWTClaimValidationFailed ? claimReason(err) : reasonByCode[err.code];
  // jose claim errors carry the verified payload (email, groups): keep personal data out of
  // the logged cause, which only needs jose's code and message.
  return invalidToken(reason, { cause: new Error(`${err.code}: ${err.message}`) });
}
