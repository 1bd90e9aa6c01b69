import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostile, isUnsafe, unsafeIn } from '../testing/hostile-text.ts';
import { escapeForTerminal } from './escape-for-terminal.ts';

/** Any text without a character a terminal acts on. */
const printable = fc.string({ unit: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !isUnsafe(c.codePointAt(0)!)) });

describe('escapeForTerminal', () => {
  it('leaves no control character, DEL, C1 or bidi control in any output, ESC above all', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = escapeForTerminal(text);
        expect(unsafeIn(out)).toEqual([]);
        expect(out).not.toContain('\u001b');
      }),
      { numRuns: 2000 },
    );
  });

  it('returns printable text, newlines and tabs included, unchanged', () => {
    fc.assert(
      fc.property(printable, (text) => {
        expect(escapeForTerminal(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
    expect(escapeForTerminal('line one\n\tindented — ünïcödé 🚀 中文')).toBe('line one\n\tindented — ünïcödé 🚀 中文');
  });

  it('loses and reorders nothing: undoing the escapes gives the input back', () => {
    const noBackslash = hostile.filter((t) => !t.includes('\\'));
    fc.assert(
      fc.property(noBackslash, (text) => {
        const undone = escapeForTerminal(text).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
        expect(undone).toBe(text);
      }),
    );
  });

  it('is idempotent, so text escaped twice on its way out reads the same', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(escapeForTerminal(escapeForTerminal(text))).toBe(escapeForTerminal(text));
      }),
    );
  });

  it('keeps a JSON line valid JSON with the same value', () => {
    const value = fc.oneof(fc.array(hostile), fc.dictionary(hostile, hostile));
    fc.assert(
      fc.property(value, (v) => {
        expect(JSON.parse(escapeForTerminal(JSON.stringify(v)))).toEqual(v);
      }),
    );
  });

  it.each([
    ['\u001b]52;c;cm0gLXJmIH4K\u0007', '\\u001b]52;c;cm0gLXJmIH4K\\u0007'],
    ['\u001b[2J\u001b[H', '\\u001b[2J\\u001b[H'],
    ['\u009b2J', '\\u009b2J'],
    ['\u202eexe.txt', '\\u202eexe.txt'],
    ['progress\r100%', 'progress\\u000d100%'],
    ['bell\u0007 del\u007f nul\u0000', 'bell\\u0007 del\\u007f nul\\u0000'],
  ])('shows known attack %# as %s', (input, shown) => {
    expect(escapeForTerminal(input)).toBe(shown);
  });
});
