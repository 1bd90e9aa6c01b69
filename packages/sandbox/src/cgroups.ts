import { constants } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { SandboxLimits } from './sandbox-driver.ts';

/** Which cgroup hierarchy holds each sandbox: `auto` takes v2, else v1, else none (rlimits only). */
export type CgroupMode = 'auto' | 'v1' | 'v2' | 'none';

export type CgroupSupport =
  /** `parent` is `<own cgroup>/remit`, with pids and memory enabled for its children. */
  | { version: 'v2'; parent: string }
  /** `remit` under this process's cgroup in each writable controller's hierarchy. */
  | { version: 'v1'; pids?: string; memory?: string }
  | { version: 'none' };

type CgroupProbe = { support: CgroupSupport } | { unavailable: string };

/** The agent's own tasks (node's main, libuv and V8 threads; bwrap's two) come on top of maxProcesses. */
export const AGENT_TASKS = 16;

/**
 * Where this process goes when its own v2 cgroup must become a parent: the kernel lets a
 * non-root cgroup either hold processes or hand controllers to children, never both (the
 * no-internal-processes rule), and systemd's Delegate= documentation asks a delegated service
 * to move itself into a leaf for exactly this.
 */
const ORCHESTRATOR_LEAF = 'remit-orchestrator';

const CONTROLLERS = ['pids', 'memory'] as const;

/**
 * The cgroup support `mode` asks for on this host, or why the host cannot give it. `auto` never
 * fails: v2 when it offers both controllers, else whichever v1 controllers are writable (as
 * before v2 support), else none.
 */
export async function probeCgroups(mode: CgroupMode, files: CgroupFiles = HOST_FILES): Promise<CgroupProbe> {
  if (mode === 'none') return { support: { version: 'none' } };
  if (mode !== 'v1') {
    const v2 = await probeV2(files);
    if (mode === 'v2' || 'support' in v2) return v2;
  }
  const v1 = await probeV1(files);
  if (mode === 'v1') return v1.missing.length === 0 ? { support: v1.support } : { unavailable: v1.missing.join('; ') };
  return { support: v1.support.pids === undefined && v1.support.memory === undefined ? { version: 'none' } : v1.support };
}

/** Where to read the host's cgroup layout; tests point it at a fake tree. */
export interface CgroupFiles {
  procSelfCgroup: string;
  procSelfMountinfo: string;
  /** Prefix for the mount points named in mountinfo. */
  root: string;
}

const HOST_FILES: CgroupFiles = { procSelfCgroup: '/proc/self/cgroup', procSelfMountinfo: '/proc/self/mountinfo', root: '/' };

interface CgroupMount {
  mountPoint: string;
  /** The cgroup path the mount shows at its mount point (not `/` under a cgroup namespace or a bind). */
  root: string;
  fsType: string;
  superOptions: string[];
}

/** Mountinfo fields (proc(5)): id, parent, dev, root, mount point, options, optional fields…, `-`, type, source, super options. Octal escapes undone. */
function parseMounts(mountinfo: string): CgroupMount[] {
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return mountinfo.split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    const fields = left?.split(' ') ?? [];
    const [fsType, , superOptions] = right?.split(' ') ?? [];
    if (fields.length < 5 || fsType === undefined) return [];
    return [{ root: unescape(fields[3]!), mountPoint: unescape(fields[4]!), fsType, superOptions: superOptions?.split(',') ?? [] }];
  });
}

/** The directory of cgroup `path` in `mount`, or undefined when the mount does not show it. */
function cgroupDir(files: CgroupFiles, mount: CgroupMount, path: string): string | undefined {
  const inside = relative(mount.root, path);
  if (inside.startsWith('..')) return undefined;
  return join(files.root, mount.mountPoint, inside);
}

async function readLayout(files: CgroupFiles): Promise<{ mounts: CgroupMount[]; own: Map<string, string> }> {
  const own = new Map<string, string>(); // controller (or '' for v2) → this process's cgroup path
  for (const line of (await readFile(files.procSelfCgroup, 'utf8')).split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match === null) continue;
    for (const controller of match[1]!.split(',')) own.set(controller, match[2]!);
  }
  return { mounts: parseMounts(await readFile(files.procSelfMountinfo, 'utf8')), own };
}

async function probeV2(files: CgroupFiles): Promise<CgroupProbe> {
  // Unreadable /proc files mean no usable hierarchy, which is what the probe answers.
  const { mounts, own } = await readLayout(files).catch(() => ({ mounts: [], own: new Map<string, string>() }));
  const mount = mounts.find((m) => m.fsType === 'cgroup2');
  let path = own.get('');
  if (mount === undefined || path === undefined) return { unavailable: 'no cgroup v2 hierarchy is mounted' };
  if (basename(path) === ORCHESTRATOR_LEAF) path = dirname(path); // moved there by an earlier probe
  const ownDir = cgroupDir(files, mount, path);
  if (ownDir === undefined) return { unavailable: `this process's cgroup v2 (${path}) is outside the mounted hierarchy` };
  // Unreadable: nothing is offered, and the answer below names what is missing.
  const offered = (await readFile(join(ownDir, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
  const missing = CONTROLLERS.filter((c) => !offered.includes(c));
  if (missing.length > 0) {
    return {
      unavailable: `cgroup v2 at ${mount.mountPoint} offers [${offered.join(' ')}] to this process, not ${missing.join(' and ')} (on a hybrid host they belong to cgroup v1)`,
    };
  }
  try {
    await enableControllers(ownDir, true);
    const parent = join(ownDir, 'remit');
    await mkdir(parent).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await enableControllers(parent, false);
    await access(parent, constants.W_OK); // made by another user earlier: present, but not ours to use
    return { support: { version: 'v2', parent } };
  } catch (err) {
    return { unavailable: `cgroup v2 at ${ownDir} is not delegated to this process (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
}

/** Hands pids and memory to `dir`'s children; with `evacuate`, first moves `dir`'s own processes into a leaf if the kernel refuses (EBUSY). */
async function enableControllers(dir: string, evacuate: boolean): Promise<void> {
  // (A missing file fails the write below, with its own reason.)
  const enabled = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => '')).trim().split(/\s+/);
  if (CONTROLLERS.every((c) => enabled.includes(c))) return;
  const enable = () => writeFile(join(dir, 'cgroup.subtree_control'), CONTROLLERS.map((c) => `+${c}`).join(' '));
  try {
    await enable();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || !evacuate) throw err;
    const leaf = join(dir, ORCHESTRATOR_LEAF);
    await mkdir(leaf).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    for (const pid of (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean)) {
      await writeFile(join(leaf, 'cgroup.procs'), pid).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ESRCH') throw e; // exited meanwhile
      });
    }
    await enable();
  }
}

/**
 * The `remit` parent for each writable v1 controller, nested under this process's own cgroup so
 * the host's accounting of this process still covers its sandboxes. Only a mount of type cgroup
 * that carries the controller counts: on a v2 host, mkdir under /sys/fs/cgroup/pids would make a
 * v2 cgroup named "pids".
 */
async function probeV1(files: CgroupFiles): Promise<{ support: Extract<CgroupSupport, { version: 'v1' }>; missing: string[] }> {
  const { mounts, own } = await readLayout(files).catch(() => ({ mounts: [], own: new Map<string, string>() }));
  // (Unreadable /proc files: as in probeV2.)
  const support: Extract<CgroupSupport, { version: 'v1' }> = { version: 'v1' };
  const missing: string[] = [];
  for (const controller of CONTROLLERS) {
    const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    const path = own.get(controller);
    const dir = mount === undefined || path === undefined ? undefined : cgroupDir(files, mount, path);
    if (dir === undefined) {
      missing.push(`no cgroup v1 ${controller} hierarchy holds this process`);
      continue;
    }
    try {
      await mkdir(join(dir, 'remit'), { recursive: true });
      await access(join(dir, 'remit'), constants.W_OK); // made by another user earlier: present, but not ours to use
      support[controller] = join(dir, 'remit');
    } catch (err) {
      missing.push(`cgroup v1 ${controller} at ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return { support, missing };
}

/** Creates the sandbox's cgroups with its limits; returns their directories (removed on destroy). */
export async function createCgroups(support: CgroupSupport, id: string, limits: SandboxLimits): Promise<string[]> {
  const dirs: string[] = [];
  const make = async (parent: string) => {
    const dir = join(parent, id);
    await mkdir(dir);
    dirs.push(dir);
    return dir;
  };
  const bytes = String(limits.memoryMb * 1024 * 1024);
  const tasks = String(limits.maxProcesses + AGENT_TASKS);
  // Swap limits are absent when the kernel does not account swap; then there is none to limit.
  const optional = (write: Promise<void>) =>
    write.catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  try {
    if (support.version === 'v2') {
      const dir = await make(support.parent);
      await writeFile(join(dir, 'pids.max'), tasks);
      await writeFile(join(dir, 'memory.max'), bytes);
      await optional(writeFile(join(dir, 'memory.swap.max'), '0')); // or the sandbox could page its excess out
    }
    if (support.version === 'v1' && support.pids !== undefined) {
      await writeFile(join(await make(support.pids), 'pids.max'), tasks);
    }
    if (support.version === 'v1' && support.memory !== undefined) {
      const dir = await make(support.memory);
      await writeFile(join(dir, 'memory.limit_in_bytes'), bytes);
      await optional(writeFile(join(dir, 'memory.memsw.limit_in_bytes'), bytes)); // memory plus swap
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
