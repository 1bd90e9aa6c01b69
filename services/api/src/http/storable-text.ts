import { RemitError } from '@remit/core';
import type { MiddlewareHandler } from 'hono';

/**
 * Text PostgreSQL cannot store: `text` refuses the NUL character (0x00) outright, `jsonb`
 * refuses `\u0000` and a lone surrogate escape, and a lone surrogate written to `text` is
 * silently turned into U+FFFD by the UTF-8 encoder. Either way the request would fail deep in
 * a transaction (a 500) or store something other than what was sent, so it is refused at the
 * edge instead, with one code, before anything reads it.
 */
// NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// (String#isWellFormed is ES2024; this is the same test plus NUL, in one linear pass.)
// eslint-disable-next-line no-control-regex -- finding control characters is what this pattern is for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isStorable(text: string): boolean {
  return !UNSTORABLE.test(text);
}

const SHOWN_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Where in a parsed JSON value the first unstorable string is (a key or a value), as a path
 * such as `body.limits[2]`, or undefined when every string is storable. Iterative: a 64 KiB
 * body can nest ~32,000 levels deep, enough to overflow the stack of a recursive walk.
 */
export function findUnstorableText(value: unknown, root = 'body'): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorable(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]` });
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        // The key itself is never echoed: it may be the offending string.
        if (!isStorable(key)) return `${path} (a field name)`;
        stack.push({ value: child, path: SHOWN_KEY.test(key) ? `${path}.${key}` : `${path}[…]` });
      }
    }
  }
  return undefined;
}

/** Throws `invalid_characters` when a parsed JSON body holds a string PostgreSQL cannot store. */
export function assertStorableBody(body: unknown): void {
  const at = findUnstorableText(body);
  if (at !== undefined) {
    throw new RemitError('invalid_characters', `${at}: a string contains a NUL character (\\u0000) or a lone surrogate, which cannot be stored.`);
  }
}

/**
 * Refuses a path or query that decodes to a NUL character or is not valid percent-encoded
 * UTF-8, for every route at once: path parameters reach SQL, logs and audit entries, so no
 * handler should be the one to notice.
 */
export const rejectUnstorableUrl: MiddlewareHandler = async (c, next) => {
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const pathAndQuery = start === -1 ? '' : url.slice(start);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathAndQuery);
  } catch {
    // decodeURIComponent's URIError says only "URI malformed": nothing to keep.
    throw new RemitError('invalid_characters', 'The path or query is not valid percent-encoded UTF-8.');
  }
  if (decoded.includes('\u0000')) throw new RemitError('invalid_characters', 'The path or query contains a NUL character (%00).');
  return next();
};
