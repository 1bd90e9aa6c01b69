import { RunKind } from '@remit/core';
import { apiFromOptions, type ApiClient } from '../api-client.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode, exitCodeForRun } from '../exit-codes.ts';
import type { RunOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';
import { watchRun } from '../watch-run.ts';

/** `remit run KIND "input" [--role R] [--watch]`: starts a run through the API as the token's user. */
export async function runCommand(ctx: CommandContext, opts: RunOpts & { kind: string; input: string }): Promise<number> {
  const kind = RunKind.safeParse(opts.kind);
  if (!kind.success) throw new CliError('usage', `unknown run kind "${opts.kind}"; use one of ${RunKind.options.join(', ')}`);
  const input = opts.input.trim();
  if (!input) throw new CliError('usage', 'say what the run should look into, e.g. remit run troubleshoot "why is checkout failing?"');
  const client = await apiFromOptions(opts, ctx.config);
  const body = await client.post<{ id?: string; status?: string }>('/v1/runs', { kind: kind.data, input, ...(opts.role ? { role: opts.role } : {}) });
  if (typeof body.id !== 'string') throw new CliError('failed', 'the API accepted the run but sent no id');
  // The id is the server's word, printed before anything checks its shape.
  const id = escapeForTerminal(body.id);
  process.stderr.write(`run ${id} queued\n`);
  if (!opts.watch) {
    process.stdout.write(opts.json ? `${escapeForTerminal(JSON.stringify(body))}\n` : `${id}\n`);
    return ExitCode.ok;
  }
  return watchToExitCode(client, body.id, opts.json === true);
}

/** Watches a run on this terminal; the exit code says how it ended (see exit-codes.ts). */
export async function watchToExitCode(client: ApiClient, runId: string, json: boolean): Promise<number> {
  const outcome = await watchRun({ client, runId, style: styleFor(process.stdout), json, spinner: process.stdout.isTTY === true && !json });
  if (outcome.end === 'detached') return ExitCode.interrupted;
  return exitCodeForRun(outcome.status);
}
