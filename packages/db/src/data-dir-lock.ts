import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isProcessRunning, thisProcess, type ProcessIdentity } from '@remit/core';
import { DatabaseError } from './database-error.ts';

/**
 * One process owns a PGlite data directory: PGlite is one in-process connection, and a second
 * process opening the same files does not fail, it loses writes. The owner holds
 * `<dataDir>/pgdata.lock`, which names it by pid and start time (so a recycled pid reads as a
 * dead owner) and, once it serves HTTP, by the URL other commands can reach it at.
 */
const LOCK_FILE = 'pgdata.lock';

interface LockRecord extends ProcessIdentity {
  /** What the owner is, for people: "remit serve", "remit migrate". */
  command: string;
  since: string;
  /** Tells this holder's lock from a later one of the same process. */
  nonce: string;
  /** Where the owner serves the API, once it does. */
  url?: string;
}

/** Who holds a data directory; see dataDirOwner. */
export interface DataDirOwner {
  pid: number;
  command: string;
  since: string;
  /** The API the owner serves, once it listens (`remit serve`, `remit demo`); undefined for other commands. */
  url: string | undefined;
}

export interface DataDirLock {
  /** Removes the lock if it is still this holder's; idempotent. */
  release(): void;
}

/**
 * Takes the data directory for this process, or throws DatabaseError `data_dir_in_use` naming
 * the live owner. A lock left by a process that is gone (crashed, killed, or a pid since reused)
 * is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const nonce = randomBytes(8).toString('hex');
  const record: LockRecord = { ...thisProcess(), command: commandName(process.argv), since: new Date().toISOString(), nonce };
  // Written in full first, then linked into place: link fails if the name exists, so exactly one
  // process creates the lock, and nobody ever reads a half-written one.
  const temp = `${path}.${nonce}.tmp`;
  writeFileSync(temp, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        linkSync(temp, path);
        return { release: () => releaseLock(path, nonce) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const raw = readText(path);
      if (raw === undefined) continue; // released meanwhile: try again
      const held = parseRecord(raw);
      if (held !== undefined && isProcessRunning(held)) throw inUse(dataDir, held);
      takeOver(path, raw);
    }
    throw new DatabaseError('data_dir_in_use', `${dataDir} is being locked and unlocked by other processes; try again`);
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Who owns the data directory now, or undefined when no live process does (no lock, or one left
 * by a process that is gone). `url` is set once the owner serves the API there: commands that
 * need the database talk to that server instead (REMIT_URL, REMIT_TOKEN).
 */
export function dataDirOwner(dataDir: string): DataDirOwner | undefined {
  const raw = readText(join(dataDir, LOCK_FILE));
  const held = raw === undefined ? undefined : parseRecord(raw);
  if (held === undefined || !isProcessRunning(held)) return undefined;
  return { pid: held.pid, command: held.command, since: held.since, url: held.url };
}

/**
 * Records in this process's lock the URL its API listens on, for dataDirOwner; false (and no
 * change) when this process does not hold the directory's lock.
 */
export function advertiseDataDirServer(dataDir: string, url: string): boolean {
  const path = join(dataDir, LOCK_FILE);
  const raw = readText(path);
  const held = raw === undefined ? undefined : parseRecord(raw);
  const me = thisProcess();
  if (held === undefined || held.pid !== me.pid || held.startTicks !== me.startTicks) return false;
  const temp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify({ ...held, url }), { mode: 0o600, flag: 'wx' });
  renameSync(temp, path); // atomic: readers see the old record or the new one
  return true;
}

function inUse(dataDir: string, held: LockRecord): DatabaseError {
  const me = thisProcess();
  if (held.pid === me.pid && held.startTicks === me.startTicks) {
    return new DatabaseError('data_dir_in_use', `${dataDir} is already open in this process (pid ${held.pid}); embedded PGlite allows one connection`);
  }
  const serves = held.url !== undefined || /^remit (serve|demo)\b/.test(held.command);
  const where = held.url === undefined ? '' : ` at ${held.url}`;
  const fix = serves
    ? `stop it, or point this command at it with REMIT_URL${held.url === undefined ? '' : `=${held.url}`} and REMIT_TOKEN`
    : 'wait for it to finish, or stop it';
  return new DatabaseError(
    'data_dir_in_use',
    `the data directory ${dataDir} is in use by ${held.command} (pid ${held.pid})${where}, and embedded PGlite allows one process; ${fix}`,
    { details: { pid: held.pid, command: held.command, url: held.url } },
  );
}

/**
 * Moves a dead owner's lock aside. Another process may have taken it over between our read and
 * the rename; then what we moved is its live lock, which goes straight back.
 */
function takeOver(path: string, staleText: string): void {
  const aside = `${path}.${randomBytes(8).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it: try again
    throw err;
  }
  try {
    if (readText(aside) !== staleText) linkSync(aside, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // a third process won meanwhile: it holds the lock
  } finally {
    rmSync(aside, { force: true });
  }
}

function releaseLock(path: string, nonce: string): void {
  const raw = readText(path);
  if (raw !== undefined && parseRecord(raw)?.nonce === nonce) rmSync(path, { force: true });
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The record, or undefined when it is not one (an empty or foreign file): treated as a dead owner's. */
function parseRecord(raw: string): LockRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockRecord>;
    if (!Number.isSafeInteger(value.pid) || !Number.isSafeInteger(value.startTicks) || typeof value.nonce !== 'string') return undefined;
    return {
      pid: value.pid!,
      startTicks: value.startTicks!,
      nonce: value.nonce,
      command: typeof value.command === 'string' ? value.command.slice(0, 80) : 'another process',
      since: typeof value.since === 'string' ? value.since : '',
      ...(typeof value.url === 'string' ? { url: value.url } : {}),
    };
  } catch {
    return undefined;
  }
}

/** "remit serve", "remit audit verify": the CLI and its words before the first option; other programs by their script's name. */
export function commandName(argv: readonly string[]): string {
  const script = basename(argv[1] ?? argv[0] ?? 'node');
  if (script !== 'remit') return script;
  const words: string[] = [];
  for (const word of argv.slice(2)) {
    if (word.startsWith('-') || words.length === 2) break;
    words.push(word);
  }
  return ['remit', ...words].join(' ');
}
