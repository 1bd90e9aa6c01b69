import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { bwrapCommand } from './bwrap-args.ts';
import { ensureSearchable, grantCgroups, grantRunSockets, pickHostId, sharedImageDir } from './host-identity.ts';
import { createCgroups, limitEnforcement, limitsWrapper, probeCgroups, removeCgroups, type CgroupSupport, type LimitEnforcement } from './resource-limits.ts';
import type { SandboxDriver, SandboxHandle, SandboxInfo, SandboxSpec } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';
import { prepareImageFiles, type SandboxImageFiles } from './sandbox-image-files.ts';
import { isSandboxId, isSandboxProcess, listStates, newSandboxId, processStartTicks, readState, removeSockets, removeState, writeState, type SandboxState } from './sandbox-state.ts';

export interface LocalDriverOptions {
  /** Holds `<id>.json` for each sandbox, shared by every process that may reap them. */
  stateDir: string;
  /** The node binary the agent runs on (default: this process's). */
  nodePath?: string;
  /**
   * Where the agent bundle and the node copy are kept: content-addressed, shared by drivers.
   * Must be reachable by other users (see host-identity.ts); default `$TMPDIR/remit-sandbox-image-<uid>`.
   */
  imageDir?: string;
}

export interface LocalDriver extends SandboxDriver {
  readonly name: 'local';
  /** Which mechanism enforces each limit on this host (known after the first create). */
  limitEnforcement(): Promise<LimitEnforcement>;
}

const BWRAP = '/usr/bin/bwrap';

/** How long destroy waits for a killed sandbox's processes to be gone. */
const EXIT_WAIT_MS = 2000;

/** Sandboxes as bubblewrap process trees on this machine; see bwrap-args.ts and resource-limits.ts for what each confines. */
export function createLocalDriver(options: LocalDriverOptions): LocalDriver {
  const { stateDir } = options;
  const nodePath = options.nodePath ?? process.execPath;
  const children = new Map<string, ChildProcess>();
  let cgroups: Promise<CgroupSupport> | undefined;
  let image: Promise<SandboxImageFiles> | undefined;
  const probe = () => (cgroups ??= mkdir(stateDir, { recursive: true, mode: 0o700 }).then(probeCgroups));
  const prepare = () =>
    (image ??= (async () => {
      const imageDir = options.imageDir ?? (await sharedImageDir());
      const files = await prepareImageFiles(imageDir, nodePath);
      await ensureSearchable(imageDir);
      return files;
    })());

  async function create(spec: SandboxSpec): Promise<SandboxHandle> {
    const [support, files] = await Promise.all([probe(), prepare()]);
    const enforcement = limitEnforcement(support);
    const id = newSandboxId();
    const hostId = pickHostId();
    if (hostId !== undefined) await grantRunSockets([spec.channelSocketPath, spec.egressSocketPath], hostId);
    const cgroupDirs = await createCgroups(support, id, spec.limits).catch((cause: unknown) => {
      throw new SandboxError('start_failed', { cause });
    });
    if (hostId !== undefined) {
      await grantCgroups(cgroupDirs, hostId).catch(async (cause: unknown) => {
        await removeCgroups(cgroupDirs).catch(() => undefined);
        throw new SandboxError('start_failed', { cause });
      });
    }
    const bwrap = bwrapCommand({ ...files, channelSocketPath: spec.channelSocketPath, egressSocketPath: spec.egressSocketPath, memoryMb: spec.limits.memoryMb });
    const args = [...limitsWrapper(spec.limits, cgroupDirs, enforcement), BWRAP, '--args', '3', ...bwrap.command];
    // detached: bwrap leads its own process group, so destroy can kill it and only it. An empty
    // environment and cwd /: bwrap's pid 1 inside keeps the environment it was started with,
    // readable as /proc/1/environ, so nothing of ours (not even our cwd as PWD) may be in it.
    const ids = hostId === undefined ? {} : { uid: hostId, gid: hostId };
    const child = spawn('/bin/sh', args, { cwd: '/', detached: true, stdio: ['pipe', 'ignore', 'ignore', 'pipe'], env: {}, ...ids });
    const startTicks = child.pid === undefined ? undefined : processStartTicks(child.pid);
    if (child.pid === undefined || startTicks === undefined) {
      await removeCgroups(cgroupDirs).catch(() => undefined);
      throw new SandboxError('start_failed');
    }
    children.set(id, child);
    child.once('exit', () => children.delete(id));
    child.stdin?.on('error', () => undefined); // EPIPE if bwrap fails before the agent reads
    child.stdin?.end(`${spec.bootstrapToken}\n`);
    const argsPipe = child.stdio[3] as Writable;
    argsPipe.on('error', () => undefined);
    argsPipe.end(bwrap.options.map((option) => `${option}\0`).join(''));
    const startedAt = new Date();
    const state: SandboxState = { id, runId: spec.runId, pid: child.pid, startTicks, startedAt: startedAt.toISOString(), cgroups: cgroupDirs, sockets: [spec.channelSocketPath, spec.egressSocketPath] };
    try {
      await writeState(stateDir, state);
    } catch (cause) {
      // Without its state file no other process could ever find and reap it.
      killGroup(child.pid);
      await waitFor(() => !isSandboxProcess(state), EXIT_WAIT_MS);
      await removeCgroups(cgroupDirs).catch(() => undefined);
      throw new SandboxError('start_failed', { cause });
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
    return states.map((state) => ({ id: state.id, runId: state.runId, startedAt: new Date(state.startedAt), alive: isSandboxProcess(state) }));
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
