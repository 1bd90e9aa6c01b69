import { RemitError } from '@remit/core';

/**
 * Why a bearer token was refused, sent as `details.reason` beside the `invalid_token` code.
 * Every reason is a fixed string: nothing from the token is ever echoed back.
 */
export const InvalidTokenReason = {
  too_large: 'too_large',
  malformed: 'malformed',
  unsupported: 'unsupported',
  wrong_algorithm: 'wrong_algorithm',
  unknown_key: 'unknown_key',
  ambiguous_key: 'ambiguous_key',
  keys_unavailable: 'keys_unavailable',
  bad_signature: 'bad_signature',
  expired: 'expired',
  not_yet_valid: 'not_yet_valid',
  wrong_issuer: 'wrong_issuer',
  wrong_audience: 'wrong_audience',
  missing_claim: 'missing_claim',
  bad_claim: 'bad_claim',
  bad_groups: 'bad_groups',
  unverifiable: 'unverifiable',
} as const;
export type InvalidTokenReason = (typeof InvalidTokenReason)[keyof typeof InvalidTokenReason];

const messages: Record<InvalidTokenReason, string> = {
  too_large: 'The bearer token is too large.',
  malformed: 'The bearer token is not a well-formed signed JWT.',
  unsupported: 'The bearer token uses a header extension this server does not support.',
  wrong_algorithm: 'The bearer token is signed with an algorithm this server does not accept.',
  unknown_key: 'The bearer token is signed with a key this server does not know.',
  ambiguous_key: 'The bearer token does not say which of the issuer keys signed it.',
  keys_unavailable: 'The issuer keys could not be loaded; try again later.',
  bad_signature: 'The bearer token signature is not valid.',
  expired: 'The bearer token has expired.',
  not_yet_valid: 'The bearer token is not valid yet.',
  wrong_issuer: 'The bearer token comes from an issuer this server does not trust.',
  wrong_audience: 'The bearer token is meant for another audience.',
  missing_claim: 'The bearer token lacks a required claim.',
  bad_claim: 'The bearer token has a claim of the wrong type.',
  bad_groups: 'The bearer token groups claim must be an array of strings.',
  unverifiable: 'The bearer token could not be verified.',
};

/**
 * The one way this package fails a token: RemitError('invalid_token') with the reason's fixed
 * message and `details.reason`; `cause` is for operators' logs, never sent.
 */
export function invalidToken(reason: InvalidTokenReason, options?: { cause?: unknown; message?: string }): RemitError {
  return new RemitError('invalid_token', options?.message ?? messages[reason], { cause: options?.cause, details: { reason } });
}
