import { thisProcess } from '@remit/core';
import type { CgroupMode } from './cgroups.ts';
import { startDirectSandbox, type DirectStdio } from './direct-exec.ts';
import { resolveSandboxLimits, type SandboxLimits } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';

export interface ThrowawayExecOptions {
  /** The local driver's state directory (see LocalDriverOptions.stateDir). */
  stateDir: string;
  /** As LocalDriverOptions.cgroups (default `auto`). */
  cgroups?: CgroupMode;
  limits?: Partial<SandboxLimits>;
  /** Kills the whole sandbox after this long (default, and at most: the limits' wallSeconds). */
  timeoutMs?: number;
  /** Kills the whole sandbox at once (the caller's Ctrl-C or SIGTERM). */
  signal?: AbortSignal;
  /** The command's stdin, stdout and stderr (default this process's own). */
  stdio?: DirectStdio;
}

export interface ThrowawayExecResult {
  /** The command's exit code (128 + n when signal n killed it); null when the sandbox was killed. */
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * `remit sandbox exec`: runs `argv` as the one process of a throwaway local sandbox with no
 * credentials, no channel and no network, on the caller's stdin, stdout and stderr, and destroys
 * the sandbox however it ends (see direct-exec.ts). No run row vouches for it, so it is recorded
 * as owned by this process: a server's reaper leaves it alone while this process runs, and reaps
 * it once this process is gone. With no agent there is one node start, not two: the agent's was
 * most of `sandbox exec -- true` (bench/cli-startup.ts). runThrowawaySandbox is the agent path.
 */
export async function execThrowaway(argv: string[], options: ThrowawayExecOptions): Promise<ThrowawayExecResult> {
  if (argv.length === 0) throw new RangeError('execThrowaway needs a command');
  const { stateDir, cgroups, signal, stdio } = options;
  const limits = resolveSandboxLimits(options.limits);
  const timeoutMs = Math.min(options.timeoutMs ?? Infinity, limits.wallSeconds * 1000);
  if (signal?.aborted) throw new SandboxError('aborted');
  const sandbox = await startDirectSandbox({ stateDir, limits, owner: thisProcess(), argv, ...(cgroups ? { cgroups } : {}), ...(stdio ? { stdio } : {}) });
  try {
    return await new Promise<ThrowawayExecResult>((resolve) => {
      const finish = (result: ThrowawayExecResult) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const timer = setTimeout(() => finish({ exitCode: null, timedOut: true, aborted: false }), timeoutMs);
      const onAbort = () => finish({ exitCode: null, timedOut: false, aborted: true });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void sandbox.exited.then((exitCode) => finish({ exitCode, timedOut: false, aborted: false }));
    });
  } finally {
    await sandbox.destroy();
  }
}
