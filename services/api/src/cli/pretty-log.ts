import { Writable } from 'node:stream';
import { escapeForTerminal } from './escape-for-terminal.ts';
import type { Style } from './terminal-style.ts';

const levelStyle: Record<string, keyof Omit<Style, 'color'>> = {
  trace: 'dim',
  debug: 'dim',
  info: 'green',
  warn: 'yellow',
  error: 'red',
  fatal: 'red',
};

/** Fields every line carries, shown in the line's head rather than repeated as key=value. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** A string as is unless it needs quotes to read as one value; anything else as JSON. */
function formatValue(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
}

/**
 * One JSON log line as people read it: `12:03:04.512 INFO  remit api listening  url=http://…`.
 * Log lines quote requests, errors and tool output, so every value is escaped for the terminal.
 */
export function formatLogLine(line: string, style: Style): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return escapeForTerminal(line);
  }
  const level = String(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD_FIELDS.has(key))
    .map(([key, value]) => `${style.dim(`${escapeForTerminal(key)}=`)}${escapeForTerminal(formatValue(value))}`);
  const tint = style[levelStyle[level] ?? 'bold'];
  return [`${style.dim(time)} ${tint(level.toUpperCase().padEnd(5))} ${escapeForTerminal(String(entry.msg ?? ''))}`, ...fields].join('  ');
}

/** A pino destination that writes each JSON line to `out` in the readable form above. */
export function prettyLogStream(out: NodeJS.WritableStream, style: Style): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const text = lines
        .filter(Boolean)
        .map((l) => `${formatLogLine(l, style)}\n`)
        .join('');
      if (text) out.write(text);
      done();
    },
  });
}
