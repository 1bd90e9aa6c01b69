export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not scrubbed: a 3-character "secret" would shred ordinary
 * output and protect nothing. Tokens and keys are 20+ characters.
 */
const MIN_SECRET_CHARS = 4;
/** A base64 fragment shorter than this matches ordinary text too often to redact. */
const MIN_BASE64_CHARS = 6;

/**
 * Returns a function that replaces every known spelling of every value with '[redacted]':
 * the raw value; its percent-encoded spellings (encodeURIComponent's, either hex case, any mix
 * of encoded and literal characters, '+' for space); its base64 and base64url, whole and at
 * each of the three byte alignments inside a longer encoding (a token in `Basic
 * base64(user:token)`). The spellings are those of sandbox-image/src/scrubber.ts.
 *
 * One RegExp alternation of escaped literals, longest first, tried at every position through a
 * lookahead; overlapping matches are merged, so two values that overlap in the text (the tail
 * of one is the head of the other) are both removed, not just the first.
 */
export function createScrubber(values: Iterable<string>): (text: string) => string {
  const patterns = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_CHARS) continue;
    patterns.add(urlEncodingPattern(value));
    const bytes = Buffer.from(value);
    patterns.add(escapeRegExp(bytes.toString('base64')));
    patterns.add(escapeRegExp(bytes.toString('base64url')));
    for (const fragment of base64Fragments(bytes)) patterns.add(escapeRegExp(fragment));
  }
  if (patterns.size === 0) return (text) => text;
  const finder = new RegExp(`(?=(${[...patterns].sort((a, b) => b.length - a.length).join('|')}))`, 'g');
  return (text) => {
    let out = '';
    let copied = 0; // text before this index is already in `out`
    let span: { start: number; end: number } | undefined; // the redaction being grown
    for (const match of text.matchAll(finder)) {
      const start = match.index;
      const end = start + match[1]!.length;
      if (span && start < span.end) {
        span.end = Math.max(span.end, end);
        continue;
      }
      if (span) {
        out += text.slice(copied, span.start) + REDACTED;
        copied = span.end;
      }
      span = { start, end };
    }
    if (!span) return text;
    return out + text.slice(copied, span.start) + REDACTED + text.slice(span.end);
  };
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

function urlEncodingPattern(value: string): string {
  let pattern = '';
  for (const char of value) {
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
 * The part of base64(prefix + value + suffix) that depends only on the value, for a prefix of
 * 0, 1 or 2 bytes: characters covering any bit of the neighbours are dropped.
 */
function base64Fragments(bytes: Buffer): string[] {
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const fragment = encoded.slice(Math.ceil((offset * 4) / 3), Math.floor(((offset + bytes.length) * 4) / 3));
    if (fragment.length < MIN_BASE64_CHARS) continue;
    fragments.push(fragment, fragment.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return fragments;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Applies `scrub` to every string inside a JSON-like value, keys included, so escaping cannot hide a secret. */
export function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubDeep(item, scrub)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrub(key), scrubDeep(item, scrub)])) as T;
  }
  return value;
}
