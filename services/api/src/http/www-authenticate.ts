import type { ErrorCode } from '@remit/core';

/**
 * The challenge every 401 carries (RFC 9110 §11.6.1), in RFC 6750 §3's Bearer form. A request
 * with no token gets no error code (§3.1: "the resource server SHOULD NOT include an error
 * code"); a token that was sent and refused, however it failed, is `invalid_token`.
 * error_description allows only %x20-21 / %x23-5B / %x5D-7E, so anything else is dropped.
 */
export function bearerChallenge(code: ErrorCode, message: string): string {
  if (code !== 'invalid_token') return 'Bearer realm="remit"';
  const description = message.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '').slice(0, 200);
  return `Bearer realm="remit", error="invalid_token", error_description="${description}"`;
}
