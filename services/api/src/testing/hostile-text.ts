import fc from 'fast-check';

/** What a terminal could act on: C0 but \n and \t, DEL, C1, and the bidi controls. */
export function isUnsafe(codePoint: number): boolean {
  return (
    (codePoint <= 0x1f && codePoint !== 0x0a && codePoint !== 0x09) ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x061c ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  );
}

export function unsafeIn(text: string): number[] {
  return [...text].map((c) => c.codePointAt(0)!).filter(isUnsafe);
}

export const attackSequences = [
  '\u001b]52;c;cm0gLXJmIH4K\u0007', // OSC 52: write the clipboard
  '\u001b]52;c;cm0gLXJmIH4K\u001b\\', // the same, ST-terminated
  '\u001b[2J\u001b[H', // clear the screen, cursor home
  '\u001b[1A\u001b[2K', // up a line and erase it: rewrite what was shown
  '\u009b2J', // 8-bit CSI
  '\u009d52;c;eA==\u009c', // 8-bit OSC … ST
  '\u001bP+q544e\u001b\\', // DCS request
  '\u202eexe.txt', // right-to-left override
  '\u2066isolated\u2069',
  'progress\r100%',
];

/** Strings built to hurt: controls, bidi characters and whole attack sequences among any code point. */
export const hostile = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xa0 }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'),
    fc.constantFrom(...attackSequences),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
});
