import type { LegalHold } from '@remit/core';
import { apiFromOptions, segment } from '../api-client.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printTable } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

const subjectText = (h: LegalHold) => `${h.subject.type} ${h.subject.id}`;

/** `remit holds list [--all]` (admins): active legal holds, newest first; --all adds released ones. */
export async function listHolds(ctx: CommandContext, opts: ApiJsonOpts & { all?: boolean }): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const holds = await client.list<LegalHold>('/v1/admin/legal-holds', { limit: '500', released: opts.all ? 'include' : 'exclude' });
  if (opts.json) printJson(holds);
  else
    printTable(
      ['ID', 'SUBJECT', 'SET', 'RELEASED', 'REASON'],
      holds.map((h) => [h.id, subjectText(h), h.setAt, h.releasedAt ?? '-', h.reason]),
      styleFor(process.stdout),
    );
  return ExitCode.ok;
}

/** `remit holds set (--user ID | --run ID) --reason TEXT` (admins). */
export async function setHold(ctx: CommandContext, opts: ApiJsonOpts & { user?: string; run?: string; reason?: string }): Promise<number> {
  if (Boolean(opts.user) === Boolean(opts.run) || !opts.reason)
    throw new CliError('usage', 'usage: remit holds set (--user USER_ID | --run RUN_ID) --reason TEXT');
  const client = await apiFromOptions(opts, ctx.config);
  const subject = opts.user ? { type: 'user', id: opts.user } : { type: 'run', id: opts.run };
  const hold = await client.post<LegalHold>('/v1/admin/legal-holds', { subject, reason: opts.reason });
  if (opts.json) printJson(hold);
  else process.stdout.write(`legal hold ${hold.id} placed on ${escapeForTerminal(subjectText(hold))}\n`);
  return ExitCode.ok;
}

/** `remit holds release ID` (admins): the subject's data falls under retention again. */
export async function releaseHold(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const hold = await client.delete<LegalHold>(`/v1/admin/legal-holds/${segment(id)}`);
  if (opts.json) printJson(hold);
  else process.stdout.write(`legal hold ${hold.id} on ${escapeForTerminal(subjectText(hold))} released\n`);
  return ExitCode.ok;
}
