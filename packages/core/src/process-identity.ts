import { existsSync, readFileSync } from 'node:fs';

/**
 * A process as the kernel tells it apart: its pid, and its start time in clock ticks since boot
 * (/proc/<pid>/stat field 22). A pid is recycled once its process is gone; the pair is not.
 */
export interface ProcessIdentity {
  pid: number;
  startTicks: number;
}

let procfs: boolean | undefined;

/**
 * A live (not zombie) process's start time in clock ticks, or undefined. Without procfs (not
 * Linux) every live process reads as 0: a recycled pid cannot be told apart there.
 */
export function processStartTicks(pid: number): number | undefined {
  return startTicks(pid, { zombie: false });
}

/**
 * The start time of a child this process spawned and has not reaped yet, also once it has
 * exited: until node reaps it (just before its 'exit' event) the pid is still the child's, a
 * zombie whose start time reads as before. processStartTicks reads a zombie as gone, so a command
 * that exited before its parent looked (a parent descheduled on a busy machine, right after
 * spawn) read as one that never started.
 */
export function childStartTicks(pid: number): number | undefined {
  return startTicks(pid, { zombie: true });
}

function startTicks(pid: number, options: { zombie: boolean }): number | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  procfs ??= existsSync('/proc/self/stat');
  if (!procfs) return signalable(pid) ? 0 : undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // no such process (or not ours to read)
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'X' || (fields[0] === 'Z' && !options.zombie)) return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

let self: ProcessIdentity | undefined;

/** This process's identity (read once: it cannot change). */
export function thisProcess(): ProcessIdentity {
  self ??= { pid: process.pid, startTicks: processStartTicks(process.pid) ?? 0 };
  return self;
}

/** Whether the process is still running: the pid is alive and started when it did, so it is not a recycled pid. */
export function isProcessRunning(identity: ProcessIdentity): boolean {
  return processStartTicks(identity.pid) === identity.startTicks;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}
