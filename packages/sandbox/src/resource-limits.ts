import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxLimits } from './sandbox-driver.ts';
import { WRAPPER_NAME } from './sandbox-state.ts';

/**
 * How the local driver enforces SandboxLimits, decided once per driver:
 * - processes: the cgroup v1 `pids` controller (pids.max) when /sys/fs/cgroup/pids is writable,
 *   as it is on this machine. Otherwise RLIMIT_NPROC, which counts every process of the real
 *   uid: exact when the driver runs as root (each sandbox has its own host uid, see
 *   host-identity.ts), approximate for a non-root driver (the user's other processes count).
 * - memory: RLIMIT_DATA per process always (unlike RLIMIT_AS it ignores V8's ~730 MB of
 *   reserved, untouched address space: node starts under a 64 MB RLIMIT_DATA and fails under a
 *   512 MB RLIMIT_AS, measured), plus the v1 `memory` controller for the sandbox as a whole,
 *   tmpfs pages included, when writable.
 * - CPU: RLIMIT_CPU per process. Wall clock: the session's timer. Core dumps: RLIMIT_CORE 0.
 * cgroup v2 is not used: its no-internal-processes rule needs a delegated subtree.
 */
export interface LimitEnforcement {
  processes: 'pids_cgroup' | 'rlimit_nproc';
  memory: 'memory_cgroup' | 'rlimit_data';
}

/** The agent's own tasks (node's main, libuv and V8 threads; bwrap's two) come on top of maxProcesses. */
export const AGENT_TASKS = 16;

export interface CgroupSupport {
  pids?: string;
  memory?: string;
}

/**
 * The `remit` parent for each writable v1 controller, nested under this process's own cgroup
 * so the host's accounting of this process still covers its sandboxes.
 */
export async function probeCgroups(): Promise<CgroupSupport> {
  const own = new Map<string, string>();
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, path] = line.split(':');
      for (const controller of controllers?.split(',') ?? []) if (path !== undefined) own.set(controller, path);
    }
  } catch {
    return {};
  }
  const support: CgroupSupport = {};
  for (const controller of ['pids', 'memory'] as const) {
    const path = own.get(controller);
    if (path === undefined) continue;
    const parent = join('/sys/fs/cgroup', controller, path, 'remit');
    try {
      await mkdir(parent, { recursive: true });
      support[controller] = parent;
    } catch {
      // Not mounted, read-only, or not ours: this controller is not used.
    }
  }
  return support;
}

export function limitEnforcement(cgroups: CgroupSupport): LimitEnforcement {
  return {
    processes: cgroups.pids !== undefined ? 'pids_cgroup' : 'rlimit_nproc',
    memory: cgroups.memory !== undefined ? 'memory_cgroup' : 'rlimit_data',
  };
}

/** Creates the sandbox's cgroups with its limits; returns their directories (removed on destroy). */
export async function createCgroups(cgroups: CgroupSupport, id: string, limits: SandboxLimits): Promise<string[]> {
  const dirs: string[] = [];
  try {
    if (cgroups.pids !== undefined) {
      const dir = join(cgroups.pids, id);
      await mkdir(dir);
      dirs.push(dir);
      await writeFile(join(dir, 'pids.max'), String(limits.maxProcesses + AGENT_TASKS));
    }
    if (cgroups.memory !== undefined) {
      const dir = join(cgroups.memory, id);
      await mkdir(dir);
      dirs.push(dir);
      const bytes = String(limits.memoryMb * 1024 * 1024);
      await writeFile(join(dir, 'memory.limit_in_bytes'), bytes);
      // Memory plus swap, or the sandbox could page its excess out (absent when swap accounting is off).
      await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
    }
    return dirs;
  } catch (err) {
    await removeCgroups(dirs);
    throw err;
  }
}

/** rmdir fails with EBUSY until the last task has exited; the kernel tears a pid namespace down asynchronously. */
export async function removeCgroups(dirs: string[], timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const dir of [...dirs].reverse()) {
    for (;;) {
      try {
        await rmdir(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1)); // teardown takes a few ms; destroy waits on it
      }
    }
  }
}

/**
 * `sh -c` script that moves itself into the sandbox's cgroups, sets the rlimits and execs
 * bwrap: joining before exec means no process of the sandbox ever runs outside its cgroups.
 * Its argv: cgroup.procs files, `--`, then the bwrap command line.
 */
export function limitsWrapper(limits: SandboxLimits, cgroupDirs: string[], enforcement: LimitEnforcement): string[] {
  const rlimits = [`ulimit -c 0`, `ulimit -t ${limits.cpuSeconds}`, `ulimit -d ${limits.memoryMb * 1024}`];
  if (enforcement.processes === 'rlimit_nproc') {
    const others = process.getuid?.() === 0 ? 0 : countOwnTasks(); // a root driver's sandbox has a fresh uid
    rlimits.push(`ulimit -u ${others + limits.maxProcesses + AGENT_TASKS}`);
  }
  const script = [
    'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift',
    `${rlimits.join(' && ')} || exit 125`,
    'unset PWD OLDPWD', // the shell exports them; bwrap's pid 1 keeps whatever environment it was started with
    'exec "$@"',
  ].join('\n');
  return ['-c', script, WRAPPER_NAME, ...cgroupDirs.map((dir) => join(dir, 'cgroup.procs')), '--'];
}

/**
 * RLIMIT_NPROC counts every task (threads too) of the real uid on the host, so the fallback
 * limit is what the user runs now plus the sandbox's allowance: approximate by nature.
 */
function countOwnTasks(): number {
  const uid = process.getuid?.();
  let tasks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statSync(`/proc/${entry}`).uid !== uid) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      tasks += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[17]) || 1;
    } catch {
      // The process exited while we counted.
    }
  }
  return tasks;
}
