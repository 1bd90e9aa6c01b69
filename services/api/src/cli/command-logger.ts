import type { ConfigEnv } from '@remit/core';
import { pino, type Logger } from 'pino';
import { createLogger } from '../logging/logger.ts';
import { RotatingLogFile } from '../logging/rotating-log-file.ts';
import { prettyLogStream } from './pretty-log.ts';
import { colorEnabled, createStyle } from './terminal-style.ts';

/**
 * Where a command's logs go. Only the server's logs belong on stdout; other commands print
 * their results there. The demo keeps the terminal for the person watching it and logs to a
 * file. Logs are JSON lines, and readable text when they reach a terminal.
 */
export type LogTarget = 'stdout' | 'stderr' | 'data-dir-file';

export function commandLogger(config: ConfigEnv, target: LogTarget): Logger {
  const level = config.REMIT_LOG_LEVEL;
  // Rotated daily and by size; retention deletes rotated files after REMIT_RETENTION_LOG_DAYS.
  if (target === 'data-dir-file') return createLogger({ level, destination: new RotatingLogFile({ dir: config.REMIT_DATA_DIR }) });
  const stream = target === 'stdout' ? process.stdout : process.stderr;
  if (stream.isTTY) return createLogger({ level, destination: prettyLogStream(stream, createStyle(colorEnabled(stream))) });
  return createLogger({ level, destination: pino.destination(target === 'stdout' ? 1 : 2) });
}
