import type { ProcessIdentity } from '@remit/core';

/** What a sandbox may consume. Every driver enforces all four, each in its own way. */
export interface SandboxLimits {
  /** Memory for the whole sandbox, its tmpfs workdir included (default 512). */
  memoryMb: number;
  /** Processes and threads, beyond the agent's own (default 64). */
  maxProcesses: number;
  /** CPU time each process may use (default 120). */
  cpuSeconds: number;
  /** Wall-clock lifetime of the sandbox (default 900, a role's longest run). */
  wallSeconds: number;
}

export const defaultSandboxLimits: Readonly<SandboxLimits> = Object.freeze({ memoryMb: 512, maxProcesses: 64, cpuSeconds: 120, wallSeconds: 900 });

/** The limits with defaults filled in; rejects values that are not positive integers. */
export function resolveSandboxLimits(limits: Partial<SandboxLimits> = {}): SandboxLimits {
  const resolved = { ...defaultSandboxLimits, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`sandbox limit ${name} must be a positive integer`);
  }
  return resolved;
}

export interface SandboxSpec {
  runId: string;
  /** One-time secret the agent presents in `hello`; handed to the agent on stdin, never argv or env. */
  bootstrapToken: string;
  /** Host path of the run's channel socket; the agent sees it as /run/remit/channel.sock. */
  channelSocketPath: string;
  /** Host path of the run's egress proxy socket; the agent sees it as /run/remit/egress.sock. */
  egressSocketPath: string;
  limits: SandboxLimits;
  /**
   * Set for a sandbox that serves no run (`remit sandbox exec`): the process that opened it and
   * destroys it. Reapers leave it alone while that process runs, since no run row vouches for it.
   */
  owner?: ProcessIdentity;
}

export interface SandboxHandle {
  id: string;
  runId: string;
  driver: string;
  startedAt: Date;
}

export interface SandboxInfo {
  id: string;
  runId: string;
  startedAt: Date;
  alive: boolean;
  /**
   * Present for a sandbox that serves no run — a `remit sandbox exec` one, or a warm-pool member
   * (then `pool` is true): whether the process that opened it still runs. A reaper leaves it
   * alone while it does. For an ECS pool member `ownerPid` is 0 (the owner is on another
   * machine) and `ownerRunning` says whether its pool is this process's or young enough to be
   * waiting still (see ecs-driver.ts).
   */
  throwaway?: { ownerPid: number; ownerRunning: boolean };
  /** A warm-pool member no run has claimed yet (see warm-pool.ts). */
  pool?: true;
}

/** The limits a pool sandbox is started with are fixed: memory, processes and CPU time (the wall clock is the session's). */
export function limitsFit(started: SandboxLimits, wanted: SandboxLimits): boolean {
  return started.memoryMb === wanted.memoryMb && started.maxProcesses === wanted.maxProcesses && started.cpuSeconds === wanted.cpuSeconds;
}

/** A sandbox started before any run wants it, with no identity: its agent waits for a bootstrap token. */
export interface PooledSandbox {
  readonly id: string;
  readonly limits: SandboxLimits;
  /** Resolves when it is up and waiting for a run (ECS: its tunnel redeemed its ticket); rejects if it never will be. */
  readonly ready: Promise<void>;
  /** Resolves when it is gone (its agent, or its tunnel's connection, ended). */
  readonly gone: Promise<void>;
  /** Hands it one run — the run's sockets and bootstrap token — and returns the run's handle. Once only. */
  claim(spec: SandboxSpec): Promise<SandboxHandle>;
}

/** A driver that can keep a warm pool (warm-pool.ts). */
export interface PoolableDriver extends SandboxDriver {
  /** Starts an identity-less sandbox for the pool; `list` shows it as a pool member of this process until claimed. */
  prestart(limits: SandboxLimits): Promise<PooledSandbox>;
}

/** Starts and stops sandboxes; `list` sees every sandbox of this driver's state, whichever process started it. */
export interface SandboxDriver {
  readonly name: 'local' | 'ecs';
  create(spec: SandboxSpec): Promise<SandboxHandle>;
  /** Kills the sandbox and removes everything it left; idempotent. */
  destroy(id: string): Promise<void>;
  list(): Promise<SandboxInfo[]>;
}
