import { readdirSync, readFileSync, statSync } from 'node:fs';
import { AGENT_TASKS, type CgroupSupport } from './cgroups.ts';
import { RLIMIT } from './launch-wrapper.ts';
import type { SandboxLimits } from './sandbox-driver.ts';

/**
 * How the local driver enforces SandboxLimits, decided once per driver (createLocalDriver's
 * `cgroups` option forces a mode):
 * - cgroup v2: a leaf `<own cgroup>/remit/<id>` with pids.max, memory.max and memory.swap.max 0.
 * - cgroup v1: `<own cgroup>/remit/<id>` in the pids and memory hierarchies (pids.max,
 *   memory.limit_in_bytes and memsw), each used when writable.
 * - processes without a pids cgroup: RLIMIT_NPROC, which counts every process of the real uid:
 *   exact when the driver runs as root (each sandbox has its own host uid, see
 *   host-identity.ts), approximate for a non-root driver (the user's other processes count).
 * - memory without a memory cgroup: RLIMIT_DATA per process only. Always set, also under a
 *   cgroup (unlike RLIMIT_AS it ignores V8's ~730 MB of reserved, untouched address space: node
 *   starts under a 64 MB RLIMIT_DATA and fails under a 512 MB RLIMIT_AS, measured). It does not
 *   count shared mappings (MAP_SHARED, memfd, SysV shm): only a memory cgroup bounds those.
 * - tmpfs (/work, /tmp, /dev/shm): sized to fit the memory limit in every mode (see tmpfsBytes).
 * - CPU: RLIMIT_CPU per process. Wall clock: the session's timer. Core dumps: RLIMIT_CORE 0.
 */
export interface LimitEnforcement {
  cgroup: 'v2' | 'v1' | 'none';
  processes: 'pids_cgroup' | 'rlimit_nproc';
  memory: 'memory_cgroup' | 'rlimit_data';
}

export function limitEnforcement(support: CgroupSupport): LimitEnforcement {
  if (support.version === 'v2') return { cgroup: 'v2', processes: 'pids_cgroup', memory: 'memory_cgroup' };
  if (support.version === 'none') return { cgroup: 'none', processes: 'rlimit_nproc', memory: 'rlimit_data' };
  return {
    cgroup: 'v1',
    processes: support.pids !== undefined ? 'pids_cgroup' : 'rlimit_nproc',
    memory: support.memory !== undefined ? 'memory_cgroup' : 'rlimit_data',
  };
}

/** The rlimits the launch wrapper sets (soft and hard alike) for these limits and this enforcement. */
export function sandboxRlimits(limits: SandboxLimits, enforcement: LimitEnforcement): { resource: number; value: number }[] {
  const rlimits: { resource: number; value: number }[] = [
    { resource: RLIMIT.core, value: 0 },
    { resource: RLIMIT.cpu, value: limits.cpuSeconds },
    { resource: RLIMIT.data, value: limits.memoryMb * 1024 * 1024 },
  ];
  if (enforcement.processes === 'rlimit_nproc') {
    const others = process.getuid?.() === 0 ? 0 : countOwnTasks(); // a root driver's sandbox has a fresh uid
    rlimits.push({ resource: RLIMIT.nproc, value: others + limits.maxProcesses + AGENT_TASKS });
  }
  return rlimits;
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
