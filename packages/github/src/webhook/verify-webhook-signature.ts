import { createHmac, timingSafeEqual } from 'node:crypto';

// GitHub always sends `sha256=` and 64 lowercase hex digits. Anything else (an uppercase
// prefix, uppercase hex, a truncated or padded digest, whitespace) is refused before any HMAC
// is computed, so there is one spelling of a valid header and nothing to normalise.
const SIGNATURE_HEADER = /^sha256=([0-9a-f]{64})$/;

/**
 * Whether `X-Hub-Signature-256` is GitHub's HMAC-SHA256 of the raw request bytes under one of
 * `secrets` (the current secret and, during rotation, the previous one). Call it before the
 * body is parsed: a parser may normalise what was signed. The SHA-1 `X-Hub-Signature` is never
 * accepted. Empty secrets are ignored, so a missing configuration cannot verify anything.
 */
export function verifyWebhookSignature(secrets: readonly string[], rawBody: Uint8Array, signatureHeader: string | undefined): boolean {
  if (typeof signatureHeader !== 'string') return false;
  const match = SIGNATURE_HEADER.exec(signatureHeader);
  if (!match?.[1]) return false;
  const received = Buffer.from(match[1], 'hex');
  let verified = false;
  // Every secret is tried even after a match, so the time taken does not say which one matched.
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Both are 32 bytes here (the regex fixed the length), which timingSafeEqual requires.
    if (timingSafeEqual(expected, received)) verified = true;
  }
  return verified;
}
