import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecretError } from './secret-error.ts';

/**
 * Cross-process write lock for the vault. The API and the worker may run as separate
 * processes on one data directory and both write (an admin saves a connection while a worker
 * rotates an OAuth refresh token), so a single-writer rule would not hold; every write is a
 * read-modify-write of the whole file under this lock. Readers take no lock: rename(2) swaps
 * the file atomically.
 *
 * The lock file is published whole with link(2) (fails if it exists, like O_EXCL, but other
 * processes never see it half written) and names its holder: pid, host, the process's start
 * time (Linux /proc, so a reused pid is told apart) and a random token. A lock whose holder
 * is gone on this host is stale; the first process to create `<lock>.broken-<token>` (O_EXCL)
 * removes it. That marker is what makes the removal safe: the lock can only change by being
 * removed by its holder (dead) or by the breaker of that token (one), so the breaker deletes
 * exactly the stale lock and never a live one. Markers are swept after an hour.
 *
 * Processes sharing a data directory must share a pid namespace (one host or one container);
 * a lock from another host is never judged stale, and the timeout error says what to remove.
 */

interface LockHolder {
  pid: number;
  host: string;
  start: string | null;
  token: string;
}

const TOKEN = /^[0-9a-f-]{36}$/;
const MARKER_TTL_MS = 60 * 60 * 1000;
const ownStart = processStartTime(process.pid);
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding the lock at `lockPath`: queued behind this process's other writers to the
 * same vault, then the file lock, waiting up to `timeoutMs` for another process to finish.
 */
export function withVaultLock<T>(lockPath: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = async () => {
    const token = await acquire(lockPath, timeoutMs);
    try {
      return await fn();
    } finally {
      await release(lockPath, token);
    }
  };
  const result = previous.then(run, run);
  // The caller gets the outcome from `result`; the queue only waits for it to settle, and must not reject.
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(lockPath, tail);
  void tail.then(() => {
    if (queues.get(lockPath) === tail) queues.delete(lockPath);
  });
  return result;
}

async function acquire(lockPath: string, timeoutMs: number): Promise<string> {
  const me: LockHolder = { pid: process.pid, host: hostname(), start: ownStart, token: randomUUID() };
  const temp = `${lockPath}.${me.token}.tmp`;
  const deadline = Date.now() + timeoutMs;
  let delayMs = 2;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(me));
      // After a power loss the lock must be whole or absent; an empty one would block forever.
      await handle.sync();
    } finally {
      await handle.close();
    }
    for (;;) {
      try {
        await link(temp, lockPath);
        return me.token;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readHolder(lockPath);
      if (holder === undefined) continue; // released between our link and our read
      if (holder !== 'unreadable' && isStale(holder) && (await breakStaleLock(lockPath, holder.token))) continue;
      if (Date.now() >= deadline) throw lockTimeout(lockPath, holder);
      await sleep(delayMs + Math.random() * delayMs);
      delayMs = Math.min(delayMs * 2, 50);
    }
  } catch (err) {
    if (err instanceof SecretError) throw err;
    throw new SecretError('secret_store_unavailable', `Cannot take the secrets vault lock ${lockPath}.`, { cause: err });
  } finally {
    // The temp file is gone once linked, or never made it: a failure here has nothing to report.
    await unlink(temp).catch(() => undefined);
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  // Release is best effort by design: a lock we cannot read or remove is left to the stale-lock
  // check (same host, dead pid) or to the operator, whom lockTimeout names it to.
  const holder = await readHolder(lockPath).catch(() => undefined);
  // Only ours: if an operator removed our lock by hand, another process may hold it now.
  if (holder !== undefined && holder !== 'unreadable' && holder.token === token) await unlink(lockPath).catch(() => undefined);
}

async function readHolder(lockPath: string): Promise<LockHolder | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    // pid 0 or below would make kill(2) address a process group.
    if (
      Number.isSafeInteger(v.pid) &&
      v.pid! > 0 &&
      typeof v.host === 'string' &&
      (v.start === null || typeof v.start === 'string') &&
      typeof v.token === 'string' &&
      TOKEN.test(v.token)
    ) {
      return v as LockHolder;
    }
  } catch {
    // not written by us; left for the operator (see lockTimeout)
  }
  return 'unreadable';
}

/** Stale only when we can tell: same host, and the pid is gone or now names another process. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists under another user, so it is alive.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStartTime(holder.pid);
  return holder.start !== null && start !== null && start !== holder.start;
}

/** True if we removed the stale lock; false if another process is doing so (we wait as for a live one). */
async function breakStaleLock(lockPath: string, token: string): Promise<boolean> {
  try {
    await (await open(`${lockPath}.broken-${token}`, 'wx', 0o600)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  // Already gone is as good as removed: the caller retries the link either way.
  await unlink(lockPath).catch(() => undefined);
  await sweepMarkers(lockPath);
  return true;
}

/** Old markers go; one younger than an hour might still guard a breaker that was just descheduled. */
async function sweepMarkers(lockPath: string): Promise<void> {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.broken-`;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    // Markers are tidied on a best-effort basis: one removed by another breaker, or left behind, changes nothing.
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > MARKER_TTL_MS) await unlink(path).catch(() => undefined);
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null off Linux. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after it do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    // No /proc (not Linux) or the process is gone: unknown, which isStale treats as not stale.
    return null;
  }
}

function lockTimeout(lockPath: string, holder: LockHolder | 'unreadable'): SecretError {
  const who = holder === 'unreadable' ? 'an unknown holder' : `pid ${holder.pid} on ${holder.host}`;
  return new SecretError(
    'secret_store_unavailable',
    `The secrets vault is locked by ${who} (${lockPath}); if no Remit process uses this data directory, remove that file.`,
  );
}
