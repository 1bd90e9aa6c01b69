import { escapeForTerminal } from './escape-for-terminal.ts';
import type { Style } from './terminal-style.ts';

/**
 * How data commands print. `--json` writes one JSON document, escaped for the terminal (the
 * escapes are JSON escapes too, so it parses to the same value); text is a table or a record,
 * every cell escaped, since names, descriptions and configs come from the server.
 */
export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${escapeForTerminal(JSON.stringify(value, null, 2))}\n`);
}

export function printTable(columns: string[], rows: string[][], style: Style, out: NodeJS.WritableStream = process.stdout): void {
  if (rows.length === 0) {
    out.write(`${style.dim('(none)')}\n`);
    return;
  }
  const cells = rows.map((r) => r.map((c) => escapeForTerminal(c).replace(/[\n\t]/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
      .join('  ')
      .trimEnd();
  out.write(`${style.bold(line(columns))}\n${cells.map(line).join('\n')}\n`);
}

export function printRecord(fields: [string, unknown][], style: Style, out: NodeJS.WritableStream = process.stdout): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [key, value] of fields) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out.write(`${style.dim(`${key}:`.padEnd(width + 1))} ${escapeForTerminal(text ?? '')}\n`);
  }
}
