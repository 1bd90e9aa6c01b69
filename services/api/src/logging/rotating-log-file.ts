import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const LOG_FILE_NAME = 'remit.log';

/** remit.log.2031-06-01.3: the day the file was begun, then a counter for several files a day. */
const ROTATED = /^remit\.log\.\d{4}-\d{2}-\d{2}\.\d+$/;

export interface RotatingLogFileOptions {
  dir: string;
  /** Rotate before a write would take the file past this (default 10 MiB). */
  maxBytes?: number;
  now?: () => Date;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * A pino destination that appends to `dir/remit.log` and rotates it at the first write of a new
 * UTC day or when it would pass `maxBytes`: the file is renamed remit.log.DAY.N (DAY the day it
 * was begun) and a new one started. Writes are synchronous: this is the local demo's log, where
 * a line lost in a crash matters more than throughput. Retention deletes rotated files
 * (pruneRotatedLogs); remit.log itself is never deleted.
 */
export class RotatingLogFile {
  private fd: number;
  private size: number;
  private day: string;
  private readonly path: string;
  private readonly maxBytes: number;
  private readonly now: () => Date;

  constructor(options: RotatingLogFileOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.path = join(options.dir, LOG_FILE_NAME);
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
    this.fd = openSync(this.path, 'a', 0o600);
    const stat = fstatSync(this.fd);
    this.size = stat.size;
    // A file left by an earlier process was begun on the day it was last written, at the latest.
    this.day = utcDay(stat.size > 0 ? stat.mtime : this.now());
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    const today = utcDay(this.now());
    if (this.size > 0 && (today !== this.day || this.size + bytes > this.maxBytes)) this.rotate(today);
    writeSync(this.fd, line);
    this.size += bytes;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(today: string): void {
    closeSync(this.fd);
    const dir = join(this.path, '..');
    let n = 1;
    while (existsSync(join(dir, `${LOG_FILE_NAME}.${this.day}.${n}`))) n++;
    renameSync(this.path, join(dir, `${LOG_FILE_NAME}.${this.day}.${n}`));
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
    this.day = today;
  }
}

/**
 * Deletes rotated log files in `dir` last written before `before` and returns how many. Only
 * names this module gives rotated files are touched; remit.log and anything else stay. Log
 * files hold every user's lines together, so a legal hold cannot exempt one user's: whoever
 * must keep logs sets REMIT_RETENTION_LOG_DAYS.
 */
export async function pruneRotatedLogs(dir: string, before: Date): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let deleted = 0;
  for (const name of names.filter((n) => ROTATED.test(n))) {
    const path = join(dir, name);
    if (statSync(path).mtime >= before) continue;
    await unlink(path);
    deleted++;
  }
  return deleted;
}
