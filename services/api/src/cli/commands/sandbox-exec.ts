import { resolve } from 'node:path';
import { SandboxError, execThrowaway } from '@remit/sandbox';
import { CliError, type CommandContext } from '../command-context.ts';
import { localSandboxStateDir } from '../../runtime/sandbox-state-dir.ts';

/** timeout(1)'s exit code for a command it had to kill. */
const TIMED_OUT = 124;
/** A signal that stops this process stops the sandbox too, and exits as a shell reports it: 128 + the signal's number. */
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;
/** A sandbox killed from outside (remit sandbox kill, a reaper) reports as SIGKILL would. */
const KILLED = 137;

/**
 * `remit sandbox exec -- CMD…`: runs the command as the one process of a throwaway local sandbox
 * with no credentials and no network, on this terminal (so `-- sh` is interactive), and exits
 * with its code; 127 when it does not exist, 124 when --timeout killed it (as timeout(1)).
 */
export async function sandboxExecCommand(ctx: CommandContext): Promise<number> {
  const opts = ctx.parse({ timeout: { type: 'string' } }, true);
  const argv = ctx.positionals;
  if (argv.length === 0) throw new CliError('usage', 'usage: remit sandbox exec [--timeout SECONDS] -- COMMAND [ARGS…]');
  const timeoutMs = opts.timeout === undefined ? 30_000 : Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new CliError('usage', '--timeout must be between 0.1 and 600 seconds');
  // Where the local driver keeps its state, so a server's reaper sees this sandbox.
  const stateDir = localSandboxStateDir(resolve(ctx.config.REMIT_DATA_DIR));
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => {
    stoppedBy ??= signal;
    stop.abort();
  };
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) process.on(signal, onSignal);
  try {
    const result = await execThrowaway(argv, { stateDir, timeoutMs, signal: stop.signal, limits: { wallSeconds: Math.ceil(timeoutMs / 1000) } });
    if (result.timedOut) {
      process.stderr.write(`remit: timed out after ${timeoutMs / 1000} s\n`);
      return TIMED_OUT;
    }
    if (stoppedBy !== undefined) return STOP_SIGNALS[stoppedBy];
    if (result.exitCode === null) {
      process.stderr.write('remit: the sandbox was killed\n');
      return KILLED;
    }
    return result.exitCode;
  } catch (err) {
    if (stoppedBy !== undefined) return STOP_SIGNALS[stoppedBy];
    if (!(err instanceof SandboxError)) throw err;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new CliError('failed', `${err.message}${cause}`, { cause: err });
  } finally {
    for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) process.off(signal, onSignal);
  }
}
