/**
 * What a terminal may act on instead of show: C0 controls but newline and tab (ESC starts CSI
 * cursor moves and OSC 52 clipboard writes; CR and BS overwrite what is already shown), DEL,
 * the C1 controls U+0080–U+009F (U+009B is CSI and U+009D is OSC to terminals that honour 8-bit
 * controls), and the bidirectional embeddings, overrides, isolates and marks, which reorder
 * what the eye reads (Trojan Source, CVE-2021-42574).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is what this pattern is for
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Renders untrusted text (model output, tool results, transcript fields, server errors) for a
 * UTF-8 terminal: every character above becomes a visible `\u001b`-style escape, and all other
 * text, newlines and tabs included, passes through unchanged. That spelling is also a valid
 * JSON string escape, so a JSON line passed through here still parses to the same value.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
