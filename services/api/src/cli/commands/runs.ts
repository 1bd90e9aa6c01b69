import { writeFileSync } from 'node:fs';
import type { Run, RunEvent } from '@remit/core';
import { apiFromOptions, segment, type ApiClient } from '../api-client.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printRecord, printTable } from '../print.ts';
import type { ApiJsonOpts, RunsListOpts } from '../program.ts';
import { runMarkdown, runSummaryRows, type RunExport } from '../run-export.ts';
import { readSse } from '../../http/sse-reader.ts';
import { styleFor } from '../terminal-style.ts';
import { watchToExitCode } from './run.ts';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
/** The most runs the API hands out in one page. */
const MAX_PAGE = 200;

const clip = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** `remit runs list`: filters go to the server, which pages; `--limit` caps how many are shown. */
export async function listRuns(ctx: CommandContext, opts: RunsListOpts): Promise<number> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('usage', '--limit must be a whole number of runs, 1 or more');
  const client = await apiFromOptions(opts, ctx.config);
  const runs = await client.list<Run>(
    '/v1/runs',
    {
      status: opts.status,
      kind: opts.kind,
      role: opts.role,
      user: opts.user,
      since: opts.since,
      mine: opts.mine ? 'true' : undefined,
      limit: String(Math.min(limit, MAX_PAGE)),
    },
    limit,
  );
  if (opts.json) printJson(runs);
  else
    printTable(
      ['ID', 'STATUS', 'KIND', 'ROLE', 'USER', 'CREATED', 'DURATION', 'INPUT'],
      runs.map((r) => [r.id, r.status, r.kind, r.role, r.userEmail ?? '-', r.createdAt, seconds(r.durationMs), clip(r.input, 40)]),
      styleFor(process.stdout),
    );
  return ExitCode.ok;
}

export async function showRun(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const run = await client.get<Run>(`/v1/runs/${segment(id)}`);
  if (opts.json) {
    printJson(run);
    return ExitCode.ok;
  }
  const style = styleFor(process.stdout);
  printRecord([['id', run.id], ...runSummaryRows(run), ['duration', seconds(run.durationMs)], ['input', run.input]], style);
  if (run.answer) process.stdout.write(`\n${style.bold('Answer')}\n${escapeForTerminal(run.answer)}\n`);
  return ExitCode.ok;
}

export async function cancelRun(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const result = await client.post<{ id: string; status: string }>(`/v1/runs/${segment(id)}/cancel`);
  if (opts.json) printJson(result);
  else process.stdout.write(`run ${escapeForTerminal(id)} ${escapeForTerminal(String(result.status))}\n`);
  return ExitCode.ok;
}

export async function watchRunCommand(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  return watchToExitCode(client, id, opts.json === true);
}

/** Every event of a run that has ended: its stream replays them all and closes after the final status. */
async function transcriptOf(client: ApiClient, id: string): Promise<RunEvent[]> {
  const res = await client.open(`/v1/runs/${segment(id)}/events`, { accept: 'text/event-stream' });
  const events: RunEvent[] = [];
  for await (const message of readSse(res.body!)) {
    const event = JSON.parse(message.data) as RunEvent;
    events.push(event);
    if (event.type === 'status' && FINAL.has(String(event.data.status))) break;
  }
  return events;
}

/** `remit runs export ID [--format json|markdown] [-o FILE]`: a finished run and its whole transcript. */
export async function exportRun(ctx: CommandContext, id: string, opts: ApiJsonOpts & { format: 'json' | 'markdown'; output?: string }): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const run = await client.get<Run>(`/v1/runs/${segment(id)}`);
  if (!FINAL.has(run.status))
    throw new CliError(
      'failed',
      `run ${escapeForTerminal(run.id)} is still ${escapeForTerminal(run.status)}; export it once it ends (remit runs watch ${escapeForTerminal(run.id)})`,
    );
  const exported: RunExport = { run, events: await transcriptOf(client, run.id) };
  const text = opts.json || opts.format === 'json' ? `${escapeForTerminal(JSON.stringify(exported, null, 2))}\n` : runMarkdown(exported);
  if (opts.output) {
    writeFileSync(opts.output, text);
    process.stderr.write(`wrote run ${escapeForTerminal(run.id)} to ${escapeForTerminal(opts.output)}\n`);
  } else process.stdout.write(text);
  return ExitCode.ok;
}
