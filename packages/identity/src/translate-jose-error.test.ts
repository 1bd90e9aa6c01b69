import { RemitError } from '@remit/core';
import { errors } from 'jose';
import { describe, expect, it } from 'vitest';
import type { InvalidTokenReason } from './invalid-token.ts';
import { translateJoseError } from './translate-jose-error.ts';

const reasonOf = (err: unknown) => {
  const translated = translateJoseError(err);
  expect(translated).toBeInstanceOf(RemitError);
  expect(translated.code).toBe('invalid_token');
  return translated.details?.['reason'];
};

describe('translateJoseError', () => {
  it('maps each jose error class to its reason', () => {
    const cases: [errors.JOSEError, InvalidTokenReason][] = [
      [new errors.JOSEAlgNotAllowed(), 'wrong_algorithm'],
      [new errors.JOSEError('Expected 200 OK from the JSON Web Key Set HTTP response'), 'keys_unavailable'],
      [new errors.JOSENotSupported(), 'unsupported'],
      [new errors.JWEDecryptionFailed(), 'malformed'],
      [new errors.JWEInvalid(), 'malformed'],
      [new errors.JWKInvalid(), 'keys_unavailable'],
      [new errors.JWKSInvalid(), 'keys_unavailable'],
      [new errors.JWKSMultipleMatchingKeys(), 'ambiguous_key'],
      [new errors.JWKSNoMatchingKey(), 'unknown_key'],
      [new errors.JWKSTimeout(), 'keys_unavailable'],
      [new errors.JWSInvalid(), 'malformed'],
      [new errors.JWSSignatureVerificationFailed(), 'bad_signature'],
      [new errors.JWTExpired('m', {}, 'exp', 'check_failed'), 'expired'],
      [new errors.JWTInvalid(), 'malformed'],
    ];
    for (const [err, reason] of cases) expect(reasonOf(err), err.code).toBe(reason);
  });

  it('tells claim failures apart by claim and jose reason', () => {
    const cases: [string, string, InvalidTokenReason][] = [
      ['aud', 'missing', 'missing_claim'],
      ['sub', 'missing', 'missing_claim'],
      ['nbf', 'check_failed', 'not_yet_valid'],
      ['iss', 'check_failed', 'wrong_issuer'],
      ['aud', 'check_failed', 'wrong_audience'],
      ['exp', 'invalid', 'bad_claim'],
      ['nbf', 'invalid', 'bad_claim'],
      ['typ', 'check_failed', 'bad_claim'],
      ['unspecified', 'unspecified', 'bad_claim'],
    ];
    for (const [claim, joseReason, reason] of cases) {
      expect(reasonOf(new errors.JWTClaimValidationFailed('m', {}, claim, joseReason)), `${claim}/${joseReason}`).toBe(reason);
    }
  });

  it('turns anything that is not a known jose error into unverifiable, keeping it as the cause', () => {
    const unknownCode = Object.assign(new errors.JOSEError(), { code: 'ERR_FROM_A_NEWER_JOSE' });
    for (const err of [new TypeError('fetch failed'), new Error('boom'), 'a string', undefined, null, unknownCode]) {
      const translated = translateJoseError(err);
      expect(translated.details).toEqual({ reason: 'unverifiable' });
      expect(translated.cause).toBe(err);
    }
  });

  it('keeps the claims set and the jose message out of what clients see', () => {
    const translated = translateJoseError(
      new errors.JWTClaimValidationFailed('unexpected "aud" claim value', { email: 'ada@example.test' }, 'aud', 'check_failed'),
    );
    expect(translated.message).toBe('The bearer token is meant for another audience.');
    expect(JSON.stringify(translated.details)).toBe('{"reason":"wrong_audience"}');
    expect(JSON.stringify(translated.cause)).not.toContain('ada@example.test');
    expect(translated.cause).not.toHaveProperty('payload');
  });
});
