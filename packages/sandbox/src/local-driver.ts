import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { isProcessRunning, processStartTicks, thisProcess } from '@remit/core';
import { BWRAP_FDS, bwrapCommand } from './bwrap-args.ts';
import { createCgroups, probeCgroups, removeCgroups, type CgroupMode, type CgroupSupport } from './cgroups.ts';
import { grantRunSockets, pickHostId, sharedImageDir } from './host-identity.ts';
import { PERL, launchArgs } from './launch-wrapper.ts';
import { limitEnforcement, sandboxRlimits, type LimitEnforcement } from './resource-limits.ts';
import { seccompFilter } from './seccomp-filter.ts';
import { hostSyscallArch, type SyscallArch } from './syscall-table.ts';
import { openPoolRelay, poolDirParent, type PoolRelay } from './local-pool-relay.ts';
import type { PoolableDriver, PooledSandbox, SandboxHandle, SandboxInfo, SandboxLimits, SandboxSpec } from './sandbox-driver.ts';
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

/** What launch needs of a spec: the token is passed apart, since a pool member starts without one. */
type LaunchSpec = Omit<SandboxSpec, 'bootstrapToken'> & { pool?: boolean };

interface Launched {
  handle: SandboxHandle;
  state: SandboxState;
  child: ChildProcess;
  deliver(token: string): void;
}

export interface LocalDriver extends PoolableDriver {
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
  /** The relays of this process's pool members (local-pool-relay.ts), closed on destroy. */
  const relays = new Map<string, PoolRelay>();
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

  /**
   * Starts one sandbox bound to `sockets`. With a token the agent gets it at once (a run's
   * sandbox); without, stdin stays open and the agent waits in its blocking read until
   * `deliver` writes it (a pool member, see prestart).
   */
  async function launch(spec: LaunchSpec, token: string | undefined): Promise<Launched> {
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
    if (token !== undefined) child.stdin?.end(`${token}\n`);
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
      ...(spec.pool ? { pool: true as const } : {}),
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
    const deliver = (late: string) => void child.stdin?.end(`${late}\n`);
    return { handle: { id, runId: spec.runId, driver: 'local', startedAt }, state, child, deliver };
  }

  async function create(spec: SandboxSpec): Promise<SandboxHandle> {
    return (await launch(spec, spec.bootstrapToken)).handle;
  }

  async function prestart(limits: SandboxLimits): Promise<PooledSandbox> {
    const relay = await openPoolRelay(await poolDirParent());
    let launched: Launched;
    try {
      launched = await launch({ runId: '', ...relay.sockets, limits, owner: thisProcess(), pool: true }, undefined);
    } catch (err) {
      await relay.close();
      throw err;
    }
    const { handle, state, child, deliver } = launched;
    relays.set(handle.id, relay);
    const gone = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    let claimed = false;
    return {
      id: handle.id,
      limits,
      ready: agentWaiting(child.pid!, gone),
      gone,
      claim: async (spec) => {
        if (claimed) throw new RangeError('this sandbox was already claimed');
        claimed = true;
        if (child.exitCode !== null || child.signalCode !== null) throw new SandboxError('start_failed');
        relay.connect(spec);
        // From here the reaper judges it by its run, like any run's sandbox.
        const { owner: _owner, pool: _pool, ...rest } = state;
        await writeState(stateDir, { ...rest, runId: spec.runId });
        deliver(spec.bootstrapToken);
        return { ...handle, runId: spec.runId };
      },
    };
  }

  async function destroy(id: string): Promise<void> {
    if (!isSandboxId(id)) return;
    const relay = relays.get(id);
    relays.delete(id);
    const state = await readState(stateDir, id);
    const child = children.get(id);
    if (state !== undefined && isSandboxProcess(state)) killGroup(state.pid);
    else if (child?.pid !== undefined) killGroup(child.pid);
    if (state !== undefined) {
      await waitFor(() => !isSandboxProcess(state), EXIT_WAIT_MS);
      await removeCgroups(state.cgroups);
      await removeSockets(state.sockets);
    }
    await relay?.close();
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
      ...(state.pool ? { pool: true as const } : {}),
    }));
  }

  return { name: 'local', create, prestart, destroy, list, limitEnforcement: async () => limitEnforcement(await probe()) };
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

/**
 * Resolves once a pool member's agent has loaded and sits in its blocking read of stdin: the
 * sandbox's pid 2 (bwrap is its parent's child; /proc/<pid>/task/<pid>/children) asleep with
 * no CPU time spent over three 10 ms polls. Without it a claim would pay the rest of node's
 * start (~50 ms and more under load, measured) and the pool would only look warm. Gives up
 * waiting after 10 s: a claim then merely costs what is left of the start.
 */
async function agentWaiting(bwrapPid: number, gone: Promise<void>): Promise<void> {
  let ended = false;
  void gone.then(() => (ended = true));
  const children = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const sample = (pid: number) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      return `${fields[0]}:${Number(fields[11]) + Number(fields[12])}`; // state, utime + stime
    } catch {
      return undefined;
    }
  };
  const deadline = Date.now() + 10_000;
  let last: string | undefined;
  let steady = 0;
  while (!ended && Date.now() < deadline && steady < 3) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const agent = children(bwrapPid).flatMap(children)[0];
    const now = agent === undefined ? undefined : sample(agent);
    steady = now !== undefined && now.startsWith('S:') && now === last ? steady + 1 : 0;
    last = now;
  }
  if (ended) throw new SandboxError('start_failed');
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
}
