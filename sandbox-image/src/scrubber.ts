import type { CredentialBundle } from '@remit/core';

export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not scrubbed: a 3-character "secret" would shred ordinary output
 * and protect nothing. Git tokens and STS keys are 20+ characters.
 */
const MIN_SECRET_CHARS = 4;
/** A base64 fragment shorter than this matches ordinary text too often to redact. */
const MIN_BASE64_CHARS = 6;

export interface Scrubber {
  /** Replaces every known spelling of every secret in `text` with REDACTED. */
  scrub(text: string): string;
  /** How many bytes past an output cap to keep so a secret straddling the cap is still caught. */
  readonly slackBytes: number;
}

/** Every secret value the bundle carries (git tokens, STS keys), for the scrubber. */
export function bundleSecretValues(bundle: CredentialBundle): string[] {
  return bundle.secrets.flatMap((secret) => Object.values(secret.values));
}

/**
 * Scrubs raw values, their percent-encoded spellings (either hex case, any mix of encoded and
 * literal characters, '+' for space) and their base64 and base64url spellings at each of the
 * three byte alignments, so a token inside `Basic base64(user:token)` is caught too. This
 * guards against accidental echoes; code run by `exec` could always re-encode a value it holds,
 * which is why only the few credentials a tool must hold ever enter the sandbox.
 */
export function createScrubber(secrets: Iterable<string>): Scrubber {
  const patterns = new Set<string>();
  let slackBytes = 0;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_CHARS) continue;
    patterns.add(urlEncodingPattern(secret));
    for (const fragment of base64Fragments(secret)) patterns.add(escapeRegExp(fragment));
    slackBytes = Math.max(slackBytes, Buffer.byteLength(secret) * 3);
  }
  if (patterns.size === 0) return { scrub: (text) => text, slackBytes: 0 };
  // Longest first, so a longer spelling wins over a shorter one that is its prefix.
  const matcher = new RegExp([...patterns].sort((a, b) => b.length - a.length).join('|'), 'g');
  return { scrub: (text) => text.replace(matcher, REDACTED), slackBytes };
}

/** Applies `scrub` to every string inside a JSON-like value. */
export function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubDeep(item, scrub)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrub(key), scrubDeep(item, scrub)])) as T;
  }
  return value;
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

function urlEncodingPattern(secret: string): string {
  let pattern = '';
  for (const char of secret) {
    if (UNRESERVED.test(char)) {
      pattern += escapeRegExp(char);
      continue;
    }
    const encoded = [...Buffer.from(char)].map((byte) => `%${hexDigitPattern(byte >> 4)}${hexDigitPattern(byte & 15)}`).join('');
    const alternatives = [escapeRegExp(char), encoded, ...(char === ' ' ? ['\\+'] : [])];
    pattern += `(?:${alternatives.join('|')})`;
  }
  return pattern;
}

function hexDigitPattern(nibble: number): string {
  const digit = nibble.toString(16);
  return nibble < 10 ? digit : `[${digit}${digit.toUpperCase()}]`;
}

/**
 * The part of base64(prefix + secret + suffix) that depends only on the secret, for a prefix
 * of 0, 1 or 2 bytes: characters covering any bit of the neighbours are dropped.
 */
function base64Fragments(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const fragment = encoded.slice(Math.ceil((offset * 4) / 3), Math.floor(((offset + bytes.length) * 4) / 3));
    if (fragment.length < MIN_BASE64_CHARS) continue;
    fragments.push(fragment);
    const urlSafe = fragment.replaceAll('+', '-').replaceAll('/', '_');
    if (urlSafe !== fragment) fragments.push(urlSafe);
  }
  return fragments;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
