/** The colours `remit` writes, as functions that return the text unchanged when colour is off. */
export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/**
 * Whether to colour what goes to `stream`: FORCE_COLOR wins (any value but `0` or `false` turns
 * colour on, even into a pipe), then NO_COLOR (no-color.org: set and not empty turns it off),
 * then the stream must be a terminal other than TERM=dumb.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function createStyle(color: boolean): Style {
  const sgr = (code: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { color, bold: sgr(1), dim: sgr(2), red: sgr(31), green: sgr(32), yellow: sgr(33), cyan: sgr(36) };
}

/** The style for what this process writes to `stream` (stdout unless told). */
export function styleFor(stream: { isTTY?: boolean } = process.stdout): Style {
  return createStyle(colorEnabled(stream));
}
