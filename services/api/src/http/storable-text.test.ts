import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorableText } from './storable-text.ts';

// Strings built from units that include NUL, both surrogate halves on their own and a proper
// pair, so generated text is sometimes storable and sometimes not, in every position.
const unit = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00') },
  { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const json = fc.jsonValue({ maxDepth: 5, stringUnit: unit });

/** The oracle: what PostgreSQL stores faithfully in text and jsonb. */
function storable(value: unknown): boolean {
  const ok = (s: string) => !s.includes('\u0000') && (s as string & { isWellFormed(): boolean }).isWellFormed();
  if (typeof value === 'string') return ok(value);
  if (Array.isArray(value)) return value.every(storable);
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => ok(k) && storable(v));
  return true;
}

describe('findUnstorableText', () => {
  it('finds a NUL or a lone surrogate anywhere in generated JSON, keys included, and nothing else', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(findUnstorableText(value) === undefined).toBe(storable(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('names where it is without echoing the offending text', () => {
    expect(findUnstorableText({ limits: { a: [1, 'x\u0000'] } })).toBe('body.limits.a[1]');
    expect(findUnstorableText({ ['evil\u0000key']: 1 })).toBe('body (a field name)');
    expect(findUnstorableText({ ['naïve key']: '\ud800' })).toBe('body[…]');
  });

  it('walks a body nested as deep as 64 KiB allows without overflowing the stack', () => {
    const depth = 32_000;
    const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`) as unknown;
    expect(findUnstorableText(deep)).toMatch(/^body(\[0\]){32000}$/);
  });
});
