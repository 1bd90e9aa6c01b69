import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { processStartTicks, type ProcessIdentity } from '@remit/core';
import { readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** What a local sandbox leaves on disk so any process sharing the state dir can list and reap it. */
export interface SandboxState {
  id: string;
  runId: string;
  /** Host pid of the outer bwrap process, which leads its own process group. */
  pid: number;
  /** The process's start time in clock ticks (/proc/<pid>/stat field 22): a reused pid has another. */
  startTicks: number;
  startedAt: string;
  /** cgroup directories created for the sandbox, removed on destroy. */
  cgroups: string[];
  /** The run's two sockets, removed on destroy with their directory if that is then empty. */
  sockets: string[];
  /**
   * Set for a sandbox that serves no run (`remit sandbox exec`): the process that opened it and
   * will destroy it. A reaper leaves it alone while that process runs.
   */
  owner?: ProcessIdentity;
  /** A warm-pool member no run has claimed yet (its `owner` is the pool's process; runId is empty). */
  pool?: true;
}

const STATE_FILE = /^(sbx-[0-9a-f]{16})\.json$/;

export function newSandboxId(): string {
  return `sbx-${randomBytes(8).toString('hex')}`;
}

export function isSandboxId(id: string): boolean {
  return STATE_FILE.test(`${id}.json`);
}

export async function writeState(stateDir: string, state: SandboxState): Promise<void> {
  const path = join(stateDir, `${state.id}.json`);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify(state), { mode: 0o600 });
  await rename(temp, path);
}

export async function readState(stateDir: string, id: string): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await readFile(join(stateDir, `${id}.json`), 'utf8')) as SandboxState;
  } catch {
    return undefined; // removed meanwhile by whoever destroyed it: no sandbox to act on
  }
}

export async function listStates(stateDir: string): Promise<SandboxState[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]); // no state directory yet: no sandboxes
  const ids = names.map((name) => STATE_FILE.exec(name)?.[1]).filter((id): id is string => id !== undefined);
  const states = await Promise.all(ids.map((id) => readState(stateDir, id)));
  return states.filter((state): state is SandboxState => state !== undefined);
}

export async function removeState(stateDir: string, id: string): Promise<void> {
  await rm(join(stateDir, `${id}.json`), { force: true });
}

/**
 * Removes a run's sockets and then their directory only if nothing else is in it: a worker
 * that died cannot clean its run dir, and a reaper must never delete more than the run's own.
 */
export async function removeSockets(sockets: string[]): Promise<void> {
  await Promise.all(sockets.map((socket) => rm(socket, { force: true })));
  for (const dir of new Set(sockets.map((socket) => dirname(socket)))) {
    await rmdir(dir).catch(() => undefined); // ENOTEMPTY or ENOENT: not ours to remove, or gone
  }
}

/** The marker the launch wrapper (launch-wrapper.ts) carries as argv[3], so the process is ours before it execs bwrap. */
export const WRAPPER_NAME = 'remit-sandbox';

/** The pid is still the process we started: same start time, and it is our wrapper or bwrap. */
export function isSandboxProcess(state: Pick<SandboxState, 'pid' | 'startTicks'>): boolean {
  if (processStartTicks(state.pid) !== state.startTicks) return false;
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false; // exited meanwhile
  }
  return basename(argv[0] ?? '') === 'bwrap' || argv[3] === WRAPPER_NAME;
}
