import { resolve } from 'node:path';
import { runThrowawaySandbox } from '@remit/sandbox';
import { createSandboxDriver } from '../../runtime/local-sandboxes.ts';
import { CliError, type CommandContext } from '../command-context.ts';

/** `remit sandbox exec -- CMD…`: one throwaway sandbox with no credentials; prints the output, exits with the command's code. */
export async function sandboxExecCommand(ctx: CommandContext): Promise<number> {
  const opts = ctx.parse({ timeout: { type: 'string' } }, true);
  const argv = ctx.positionals;
  if (argv.length === 0) throw new CliError('usage', 'usage: remit sandbox exec [--timeout SECONDS] -- COMMAND [ARGS…]');
  const timeoutMs = opts.timeout === undefined ? 30_000 : Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new CliError('usage', '--timeout must be between 0.1 and 600 seconds');
  const driver = createSandboxDriver(ctx.config, resolve(ctx.config.REMIT_DATA_DIR));
  const out = await runThrowawaySandbox(driver, argv, { timeoutMs });
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  if (out.truncated) process.stderr.write('remit: output truncated\n');
  if (out.timedOut) process.stderr.write(`remit: timed out after ${timeoutMs} ms\n`);
  return out.exitCode ?? 128;
}
