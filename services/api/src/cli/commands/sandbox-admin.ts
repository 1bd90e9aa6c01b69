import type { Sandbox, SandboxKilled } from '@remit/core';
import { apiFromOptions, segment } from '../api-client.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printTable } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

/** Whom a sandbox serves, in a few words: its run and the run's status, or the local process that owns it. */
function servesWhat(s: Sandbox): string {
  if (s.owner) return `remit sandbox exec (pid ${s.owner.pid}${s.owner.running ? '' : ', gone'})`;
  return s.run ? `run ${s.run.id} (${s.run.status ?? 'no such run'})` : '-';
}

/** `remit sandbox list` (admins): every live sandbox of the server's driver. */
export async function listSandboxes(ctx: CommandContext, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const sandboxes = await client.list<Sandbox>('/v1/admin/sandboxes', { limit: '500' });
  if (opts.json) printJson(sandboxes);
  else
    printTable(
      ['ID', 'KIND', 'STARTED', 'ALIVE', 'SERVES'],
      sandboxes.map((s) => [s.id, s.kind, s.startedAt, s.alive ? 'yes' : 'no', servesWhat(s)]),
      styleFor(process.stdout),
    );
  return ExitCode.ok;
}

/** `remit sandbox kill ID` (admins): a run the sandbox still serves is cancelled first. */
export async function killSandbox(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const killed = await client.delete<SandboxKilled>(`/v1/admin/sandboxes/${segment(id)}`);
  if (opts.json) printJson(killed);
  else {
    const run = killed.run ? `; run ${killed.run.id} ${killed.run.status}` : '';
    process.stdout.write(`sandbox ${escapeForTerminal(killed.id)} killed${escapeForTerminal(run)}\n`);
  }
  return ExitCode.ok;
}
