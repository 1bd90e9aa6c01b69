import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { isProcessRunning, processStartTicks } from '@remit/core';
import { BWRAP_FDS, bwrapCommand } from './bwrap-args.ts';
import { createCgroups, probeCgroups, removeCgroups, type CgroupMode, type CgroupSupport } from './cgroups.ts';
import { grantRunSockets, pickHostId, sharedImageDir } from './host-identity.ts';
import { PERL, launchArgs } from './launch-wrapper.ts';
import { limitEnforcement, sandboxRlimits, type LimitEnforcement } from './resource-limits.ts';
import { seccompFilter } from './seccomp-filter.ts';
import { hostSyscallArch, type SyscallArch } from './syscall-table.ts';
import type { SandboxDriver, SandboxHandle, SandboxInfo, SandboxSpec } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';
import { prepareImageFiles, type SandboxImageFiles } from './sandbox-image-files.ts';
import {
  isSandboxId,
  isSandboxProcess,
  listStates,
  newSandboxId,
  readState,
  removeSockets,
  removeState,
  writeState,
  type SandboxState,
} from './sandbox-state.ts';

export interface LocalDriverOptions {
  /** Holds `<id>.json` for each sandbox, shared by every process that may reap them. */
  stateDir: string;
  /** The node binary the agent runs on (default: this process's). */
  nodePath?: string;
  /** Where the agent bundle is kept: content-addressed, shared by drivers; default `$TMPDIR/remit-sandbox-image-<uid>`. */
  imageDir?: string;
  /**
   * Which cgroup hierarchy enforces the process and memory limits (see resource-limits.ts):
   * `auto` (default) takes v2, else v1, else rlimits alone; `v1` and `v2` insist, and create
   * fails with the reason when the host cannot provide them; `none` uses rlimits alone.
   */
  cgroups?: CgroupMode;
}

export interface LocalDriver extends SandboxDriver {
  readonly name: 'local';
  /** Which mechanism enforces each limit on this host; rejects like create when a forced cgroup mode is unavailable. */
  limitEnforcement(): Promise<LimitEnforcement>;
}

const BWRAP = '/usr/bin/bwrap';

/** This machine's system call table and the seccomp program built from it (see seccomp-filter.ts); throws off x86_64 and aarch64. */
let hostFilter: { arch: SyscallArch; program: Buffer } | undefined;
function seccompForHost(): { arch: SyscallArch; program: Buffer } {
  if (hostFilter === undefined) {
    const arch = hostSyscallArch();
    hostFilter = { arch, program: seccompFilter(arch) };
  }
  return hostFilter;
}

/** How long destroy waits for a killed sandbox's processes to be gone. */
const EXIT_WAIT_MS = 2000;

/**
 * Sandboxes as bubblewrap process trees on this machine; see bwrap-args.ts, seccomp-filter.ts,
 * launch-wrapper.ts and resource-limits.ts for what each confines.
 */
export function createLocalDriver(options: LocalDriverOptions): LocalDriver {
  const { stateDir } = options;
  const nodePath = options.nodePath ?? process.execPath;
  const children = new Map<string, ChildProcess>();
  let cgroups: Promise<CgroupSupport> | undefined;
  let image: Promise<SandboxImageFiles> | undefined;
  const mode = options.cgroups ?? 'auto';
  const probe = () =>
    (cgroups ??= (async () => {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const probed = await probeCgroups(mode);
      if ('unavailable' in probed) throw new SandboxError('start_failed', undefined, { cause: new Error(`cgroups '${mode}': ${probed.unavailable}`) });
      return probed.support;
    })());
  const prepare = () => (image ??= (async () => prepareImageFiles(options.imageDir ?? (await sharedImageDir()), nodePath))());

  async function create(spec: SandboxSpec): Promise<SandboxHandle> {
    const [support, files] = await Promise.all([probe(), prepare()]);
    const enforcement = limitEnforcement(support);
    const id = newSandboxId();
    const hostId = pickHostId();
    if (hostId !== undefined) await grantRunSockets([spec.channelSocketPath, spec.egressSocketPath], hostId);
    const cgroupDirs = await createCgroups(support, id, spec.limits).catch((cause: unknown) => {
      throw new SandboxError('start_failed', undefined, { cause });
    });
    const bwrap = bwrapCommand({
      ...files,
      channelSocketPath: spec.channelSocketPath,
      egressSocketPath: spec.egressSocketPath,
      memoryMb: spec.limits.memoryMb,
    });
    const copies: number[] = [];
    let child: ChildProcess;
    let seccomp: Buffer;
    try {
      const { arch, program } = seccompForHost();
      seccomp = program;
      for (const path of bwrap.copies) copies.push(openSync(path, 'r'));
      const setup = {
        cgroupProcs: cgroupDirs.map((dir) => join(dir, 'cgroup.procs')),
        rlimits: sandboxRlimits(spec.limits, enforcement),
        hostId,
        keepFds: [BWRAP_FDS.args, BWRAP_FDS.seccomp, ...copies.map((_, i) => BWRAP_FDS.firstCopy + i)],
      };
      // detached: the wrapper, then bwrap, leads its own process group, so destroy can kill it and
      // only it. An empty environment and cwd /: bwrap's pid 1 inside keeps the environment it was
      // started with, readable as /proc/1/environ, so nothing of ours (not even our cwd as PWD) may be in it.
      child = spawn(PERL, launchArgs(arch, setup, [BWRAP, '--args', String(BWRAP_FDS.args), ...bwrap.command]), {
        cwd: '/',
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore', 'pipe', 'pipe', ...copies],
        env: {},
      });
    } catch (cause) {
      await removeCgroups(cgroupDirs).catch(() => undefined); // best effort: the start failure is what the caller must see
      throw new SandboxError('start_failed', undefined, { cause });
    } finally {
      for (const fd of copies) closeSync(fd); // the child has its own
    }
    const startTicks = child.pid === undefined ? undefined : processStartTicks(child.pid);
    if (child.pid === undefined || startTicks === undefined) {
      await removeCgroups(cgroupDirs).catch(() => undefined); // as above
      throw new SandboxError('start_failed');
    }
    child.on('error', () => undefined); // reported as the agent never becoming ready
    children.set(id, child);
    child.once('exit', () => children.delete(id));
    child.stdin?.on('error', () => undefined); // EPIPE if bwrap fails before the agent reads
    child.stdin?.end(`${spec.bootstrapToken}\n`);
    const feed = (fd: number, data: string | Buffer) => {
      const pipe = child.stdio[fd] as Writable;
      pipe.on('error', () => undefined); // EPIPE as for stdin above
      pipe.end(data);
    };
    feed(BWRAP_FDS.args, bwrap.options.map((option) => `${option}\0`).join(''));
    feed(BWRAP_FDS.seccomp, seccomp);
    const startedAt = new Date();
    const state: SandboxState = {
      id,
      runId: spec.runId,
      pid: child.pid,
      startTicks,
      startedAt: startedAt.toISOString(),
      cgroups: cgroupDirs,
      sockets: [spec.channelSocketPath, spec.egressSocketPath],
      ...(spec.owner ? { owner: spec.owner } : {}),
    };
    try {
      await writeState(stateDir, state);
    } catch (cause) {
      // Without its state file no other process could ever find and reap it.
      killGroup(child.pid);
      await waitFor(() => !isSandboxProcess(state), EXIT_WAIT_MS);
      await removeCgroups(cgroupDirs).catch(() => undefined); // as above
      throw new SandboxError('start_failed', undefined, { cause });
    }
    return { id, runId: spec.runId, driver: 'local', startedAt };
  }

  async function destroy(id: string): Promise<void> {
    if (!isSandboxId(id)) return;
    const state = await readState(stateDir, id);
    const child = children.get(id);
    if (state !== undefined && isSandboxProcess(state)) killGroup(state.pid);
    else if (child?.pid !== undefined) killGroup(child.pid);
    if (state !== undefined) {
      await waitFor(() => !isSandboxProcess(state), EXIT_WAIT_MS);
      await removeCgroups(state.cgroups);
      await removeSockets(state.sockets);
    }
    await removeState(stateDir, id);
  }

  async function list(): Promise<SandboxInfo[]> {
    const states = await listStates(stateDir);
    return states.map((state) => ({
      id: state.id,
      runId: state.runId,
      startedAt: new Date(state.startedAt),
      alive: isSandboxProcess(state),
      ...(state.owner ? { throwaway: { ownerPid: state.owner.pid, ownerRunning: isProcessRunning(state.owner) } } : {}),
    }));
  }

  return { name: 'local', create, destroy, list, limitEnforcement: async () => limitEnforcement(await probe()) };
}

/**
 * SIGKILL to bwrap's process group. The sandbox's own processes are in a new session, out of
 * that group: they die because bwrap's pid-1 child has a parent-death signal (--die-with-parent)
 * and the kernel kills a pid namespace with its init.
 */
function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
}
