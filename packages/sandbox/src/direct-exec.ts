import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { childStartTicks, type ProcessIdentity } from '@remit/core';
import { BWRAP, BWRAP_FDS, bwrapDirectCommand } from './bwrap-args.ts';
import { createCgroups, probeCgroups, removeCgroups, type CgroupMode } from './cgroups.ts';
import { pickHostId } from './host-identity.ts';
import { PERL, launchArgs } from './launch-wrapper.ts';
import { limitEnforcement, sandboxRlimits } from './resource-limits.ts';
import { seccompFilter } from './seccomp-filter.ts';
import { hostSyscallArch } from './syscall-table.ts';
import type { SandboxLimits } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';
import { newSandboxId, removeState, writeState, type SandboxState } from './sandbox-state.ts';

export interface DirectSandboxOptions {
  /** The local driver's state directory: the sandbox is recorded there like every other, so any reaper sees it. */
  stateDir: string;
  /** As LocalDriverOptions.cgroups (default `auto`). */
  cgroups?: CgroupMode;
  limits: SandboxLimits;
  /** The process that destroys the sandbox (see SandboxSpec.owner): reapers leave it alone while that process runs. */
  owner: ProcessIdentity;
  /** The command, run as the sandbox's own process. */
  argv: string[];
  /** Its stdin, stdout and stderr: this process's own (default), or descriptors of the caller's. */
  stdio?: DirectStdio;
}

export type DirectStdio = readonly ['inherit' | 'ignore' | number, 'inherit' | 'ignore' | number, 'inherit' | 'ignore' | number];

export interface DirectSandbox {
  /** Its id in the state directory, where any local driver's list() and destroy(id) find it too. */
  id: string;
  /**
   * Settles when the sandbox is gone: with the command's exit code (128 + n for a command
   * killed by signal n, as bwrap reports it), or null when the sandbox itself was killed.
   */
  exited: Promise<number | null>;
  /** Kills whatever still runs, then removes its cgroups and state, as the driver's destroy does. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Starts a sandbox whose one process is `argv`, with no agent: the same launch wrapper (cgroups,
 * rlimits, host uid, keyring, descriptors), bwrap isolation, filesystem and seccomp filter as the
 * local driver's create (local-driver.ts), but no channel or egress socket (bwrapDirectCommand),
 * so the command has no way out of the sandbox at all, and the caller's stdio, so its output
 * streams and an interactive shell works. Recorded in the state directory as the driver's own
 * sandboxes are (so reapers see it); the caller destroys it, however it ends.
 */
export async function startDirectSandbox(options: DirectSandboxOptions): Promise<DirectSandbox> {
  const { limits } = options;
  const [support] = await Promise.all([probeSupport(options.cgroups ?? 'auto'), mkdir(options.stateDir, { recursive: true, mode: 0o700 })]);
  const id = newSandboxId();
  const cgroupDirs = await createCgroups(support, id, limits).catch((cause: unknown) => {
    throw new SandboxError('start_failed', undefined, { cause });
  });
  const bwrap = bwrapDirectCommand(limits.memoryMb, options.argv);
  const fds = [BWRAP_FDS.args, BWRAP_FDS.seccomp, ...bwrap.contents.map((_, i) => BWRAP_FDS.firstCopy + i)];
  let child: ChildProcess;
  const inputs: number[] = [];
  try {
    const arch = hostSyscallArch();
    const setup = {
      cgroupProcs: cgroupDirs.map((dir) => join(dir, 'cgroup.procs')),
      rlimits: sandboxRlimits(limits, limitEnforcement(support)),
      hostId: pickHostId(),
      keepFds: fds,
    };
    // In the order of `fds`: bwrap's options, the seccomp program, the account files.
    const contents = [bwrap.options.map((option) => `${option}\0`).join(''), seccompFilter(arch), ...bwrap.contents];
    for (const [i, content] of contents.entries()) inputs.push(inputFile(options.stateDir, `${id}.in${i}`, content));
    // As in the local driver: detached, so the wrapper (then bwrap) leads its own process group
    // and session; an empty environment and cwd /, since bwrap's pid 1 keeps both.
    child = spawn(PERL, launchArgs(arch, setup, [BWRAP, '--args', String(BWRAP_FDS.args), ...bwrap.command]), {
      cwd: '/',
      detached: true,
      stdio: [...(options.stdio ?? ['inherit', 'inherit', 'inherit']), ...inputs],
      env: {},
    });
  } catch (cause) {
    await removeCgroups(cgroupDirs).catch(() => undefined); // best effort: the start failure is what the caller must see
    throw new SandboxError('start_failed', undefined, { cause });
  } finally {
    for (const fd of inputs) closeSync(fd); // the child has its own
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null)); // spawn failed: reported below as start_failed
    child.once('exit', (code) => resolve(code));
  });
  const pid = child.pid;
  // Read even if the command has already exited: a fast one (`true`, a command not found) may have, under load.
  const startTicks = pid === undefined ? undefined : childStartTicks(pid);
  const state: SandboxState | undefined =
    pid === undefined || startTicks === undefined
      ? undefined
      : { id, runId: randomUUID(), pid, startTicks, startedAt: new Date().toISOString(), cgroups: cgroupDirs, sockets: [], owner: options.owner };
  // Without its state file no other process could ever find and reap it.
  if (
    state === undefined ||
    !(await writeState(options.stateDir, state).then(
      () => true,
      () => false,
    ))
  ) {
    if (pid !== undefined) killGroup(pid);
    await exited;
    await removeCgroups(cgroupDirs).catch(() => undefined); // as above
    throw new SandboxError('start_failed');
  }
  let destroying: Promise<void> | undefined;
  const destroy = () =>
    (destroying ??= (async () => {
      // The pid is ours until node reaps it ('exit'), so this can never hit a recycled pid.
      if (child.exitCode === null && child.signalCode === null) killGroup(state.pid);
      await exited;
      await killCgroupMembers(cgroupDirs);
      await removeCgroups(cgroupDirs);
      await removeState(options.stateDir, id);
    })());
  return { id, exited, destroy };
}

/**
 * A descriptor of `content` in a file that is gone from the (0700) state directory once opened:
 * bwrap reads its inputs from descriptors, and a pipe here costs node a net.Socket and its
 * stream machinery each, ~20 ms of `remit sandbox exec` for four (measured with --cpu-prof).
 */
function inputFile(dir: string, name: string, content: string | Buffer): number {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  try {
    return openSync(path, 'r');
  } finally {
    rmSync(path);
  }
}

/**
 * SIGKILL to the wrapper's process group (bwrap, once the wrapper has exec'd it), as the local
 * driver's destroy does: the sandbox's own processes die with bwrap's pid 1 (--die-with-parent,
 * and the kernel kills a pid namespace with its init).
 */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** How long destroy keeps killing what is left in the sandbox's cgroups (as the local driver's EXIT_WAIT_MS). */
const SWEEP_MS = 2000;

/**
 * SIGKILL to every process still in the sandbox's cgroups, until none is left. Killing bwrap's
 * group is not always enough: bwrap's pid 1 leaves that group (setsid) and learns of bwrap's
 * death through PR_SET_PDEATHSIG, which it sets only some way into its setup, so a sandbox
 * killed within its first milliseconds (Ctrl-C right after start) kept running its command,
 * found by this file's tests. The cgroups hold every process of the sandbox, whatever its session.
 * (With no cgroups, cgroups 'none', bwrap's group and its parent-death signal are all there is.)
 */
async function killCgroupMembers(dirs: string[]): Promise<void> {
  const deadline = Date.now() + SWEEP_MS;
  for (const dir of dirs) {
    for (;;) {
      const members = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => ''); // gone: nothing left in it
      const pids = members.split('\n').filter((line) => line !== '');
      if (pids.length === 0 || Date.now() > deadline) break;
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Exited meanwhile.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

const probes = new Map<CgroupMode, ReturnType<typeof probeCgroups>>();

/** What the local driver's probe answers for `mode`, once per process. */
async function probeSupport(mode: CgroupMode) {
  let probe = probes.get(mode);
  if (probe === undefined) probes.set(mode, (probe = probeCgroups(mode)));
  const probed = await probe;
  if ('unavailable' in probed) throw new SandboxError('start_failed', undefined, { cause: new Error(`cgroups '${mode}': ${probed.unavailable}`) });
  return probed.support;
}
