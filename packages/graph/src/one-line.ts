/** Whitespace (newlines included) collapsed to single spaces, NULs dropped, trimmed, and cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const collapsed = text.replace(/[\s\0]+/g, ' ').trim();
  return collapsed.length <= max ? collapsed : `${collapsed.slice(0, max - 1).trimEnd()}…`;
}

/** `text` as is when it is one line of at most `max` characters, else undefined. */
export function exactLine(text: string, max: number): string | undefined {
  return text.length > 0 && text.length <= max && !/[\r\n\0]/.test(text) ? text : undefined;
}
