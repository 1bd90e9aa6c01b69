export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not scrubbed: a 3-character "secret" would shred ordinary
 * output and protect nothing. Tokens and keys are 20+ characters.
 */
const MIN_SECRET_CHARS = 4;
/** A base64 fragment shorter than this matches ordinary text too often to redact. */
const MIN_BASE64_CHARS = 6;

/**
 * What a matcher reads: `text` is a JavaScript string (tool output, a transcript line);
 * `bytes` is a body decoded as latin1, one character per byte, so binary data passes through
 * a scrub unchanged byte for byte and a secret's UTF-8 bytes match wherever they appear.
 */
type MatchMode = 'text' | 'bytes';

export interface SecretMatcher {
  /** Replaces every known spelling of every value with REDACTED. */
  scrub(text: string): string;
  /** The merged spans of every spelling found, in order: what `scrub` replaces. */
  spans(text: string): { start: number; end: number }[];
  /**
   * The longest a spelling can be, in characters of the matched text: a window this wide
   * holds any match whole (see scrub-stream in @remit/egress). 0 when there is nothing to match.
   */
  readonly maxSpellingChars: number;
}

/**
 * Returns a function that replaces every known spelling of every value with '[redacted]':
 * the raw value; its percent-encoded spellings (encodeURIComponent's, either hex case, any mix
 * of encoded and literal characters, '+' for space); its hex encoding (either case); its
 * base64 and base64url, whole and at each of the three byte alignments inside a longer
 * encoding (a token in `Basic base64(user:token)`). The sandbox agent and the orchestrator
 * share this matcher.
 */
export function createScrubber(values: Iterable<string>): (text: string) => string {
  return createSecretMatcher(values).scrub;
}

/**
 * One RegExp alternation of escaped literals, longest first, tried at every position through a
 * lookahead; overlapping matches are merged, so two values that overlap in the text (the tail
 * of one is the head of the other) are both removed, not just the first.
 */
export function createSecretMatcher(values: Iterable<string>, mode: MatchMode = 'text'): SecretMatcher {
  const patterns = new Set<string>();
  let maxSpellingChars = 0;
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_CHARS) continue;
    const bytes = Buffer.from(value);
    patterns.add(mode === 'text' ? textEncodingPattern(value) : byteEncodingPattern(bytes));
    patterns.add(hexPattern(bytes));
    patterns.add(escapeRegExp(bytes.toString('base64')));
    patterns.add(escapeRegExp(bytes.toString('base64url')));
    for (const fragment of base64Fragments(bytes)) patterns.add(escapeRegExp(fragment));
    // Percent-encoding triples a byte; nothing else is longer.
    maxSpellingChars = Math.max(maxSpellingChars, bytes.length * 3);
  }
  if (patterns.size === 0) return { scrub: (text) => text, spans: () => [], maxSpellingChars: 0 };
  const finder = new RegExp(`(?=(${[...patterns].sort((a, b) => b.length - a.length).join('|')}))`, 'g');
  const spans = (text: string) => {
    const found: { start: number; end: number }[] = [];
    for (const match of text.matchAll(finder)) {
      const start = match.index;
      const end = start + match[1]!.length;
      const last = found.at(-1);
      if (last && start < last.end) last.end = Math.max(last.end, end);
      else found.push({ start, end });
    }
    return found;
  };
  const scrub = (text: string) => {
    const found = spans(text);
    if (found.length === 0) return text;
    let out = '';
    let copied = 0;
    for (const span of found) {
      out += text.slice(copied, span.start) + REDACTED;
      copied = span.end;
    }
    return out + text.slice(copied);
  };
  return { scrub, spans, maxSpellingChars };
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/** Each character either literal or as its UTF-8 bytes percent-encoded ('+' for space). */
function textEncodingPattern(value: string): string {
  let pattern = '';
  for (const char of value) {
    if (UNRESERVED.test(char)) {
      pattern += escapeRegExp(char);
      continue;
    }
    const encoded = [...Buffer.from(char)].map(percentPattern).join('');
    pattern += `(?:${[escapeRegExp(char), encoded, ...(char === ' ' ? ['\\+'] : [])].join('|')})`;
  }
  return pattern;
}

/** The same, byte by byte, over latin1-decoded bytes. */
function byteEncodingPattern(bytes: Buffer): string {
  let pattern = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (UNRESERVED.test(char)) {
      pattern += escapeRegExp(char);
      continue;
    }
    pattern += `(?:${[escapeRegExp(char), percentPattern(byte), ...(char === ' ' ? ['\\+'] : [])].join('|')})`;
  }
  return pattern;
}

const percentPattern = (byte: number) => `%${hexDigitPattern(byte >> 4)}${hexDigitPattern(byte & 15)}`;

function hexPattern(bytes: Buffer): string {
  return [...bytes].map((byte) => `${hexDigitPattern(byte >> 4)}${hexDigitPattern(byte & 15)}`).join('');
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
