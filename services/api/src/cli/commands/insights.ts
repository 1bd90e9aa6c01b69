import type { Finding, FindingDetail, InsightJob } from '@remit/core';
import { apiFromOptions, segment } from '../api-client.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printRecord, printTable } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

const JOBS = '/v1/admin/insight-jobs';
const FINDINGS = '/v1/insights/findings';

export interface InsightJobOpts extends ApiJsonOpts {
  role?: string;
  schedule?: string;
  timezone?: string;
  focus?: string;
  guidance?: string;
  enabled?: boolean;
}

export interface FindingsListOpts extends ApiJsonOpts {
  status?: string;
  severity?: string;
  job?: string;
  limit: string;
}

const say = (line: string) => process.stdout.write(`${escapeForTerminal(line)}\n`);

/** `remit insights jobs list` (admins). */
export async function listJobs(ctx: CommandContext, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const jobs = await client.list<InsightJob>(JOBS, { limit: '500' });
  if (opts.json) printJson(jobs);
  else
    printTable(
      ['NAME', 'ROLE', 'SCHEDULE', 'FOCUS', 'ENABLED', 'NEXT DUE'],
      jobs.map((j) => [j.name, j.role, `${j.schedule} (${j.timezone})`, j.focus, j.enabled ? 'yes' : 'no', j.nextDueAt ?? '-']),
      styleFor(process.stdout),
    );
  return ExitCode.ok;
}

/** `remit insights jobs create NAME --role R --schedule CRON --focus F [--timezone TZ] [--guidance TEXT] [--disabled]` (admins). */
export async function createJob(ctx: CommandContext, name: string, opts: InsightJobOpts): Promise<number> {
  if (!opts.role || !opts.schedule || !opts.focus)
    throw new CliError('usage', 'usage: remit insights jobs create NAME --role ROLE --schedule "CRON" --focus reliability|cost|security_posture');
  const client = await apiFromOptions(opts, ctx.config);
  const job = await client.post<InsightJob>(JOBS, { name, ...jobFields(opts) });
  if (opts.json) printJson(job);
  else say(`insight job ${job.name} created; next run ${job.nextDueAt ?? 'never (disabled)'}`);
  return ExitCode.ok;
}

/** `remit insights jobs update NAME [--role …] [--schedule …] [--enabled|--disabled] …` (admins): only what is given changes. */
export async function updateJob(ctx: CommandContext, name: string, opts: InsightJobOpts): Promise<number> {
  const patch = jobFields(opts);
  if (Object.keys(patch).length === 0)
    throw new CliError('usage', 'nothing to change: give --role, --schedule, --timezone, --focus, --guidance, --enabled or --disabled');
  const client = await apiFromOptions(opts, ctx.config);
  const job = await client.patch<InsightJob>(`${JOBS}/${segment(name)}`, patch);
  if (opts.json) printJson(job);
  else say(`insight job ${job.name} updated; next run ${job.nextDueAt ?? 'never (disabled)'}`);
  return ExitCode.ok;
}

/** `remit insights jobs delete NAME` (admins): its findings stay in the queue. */
export async function deleteJob(ctx: CommandContext, name: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  await client.delete(`${JOBS}/${segment(name)}`);
  if (opts.json) printJson({ deleted: name });
  else say(`insight job ${name} deleted`);
  return ExitCode.ok;
}

/** `remit insights jobs run-now NAME` (admins): queues the job's run now, as its schedule would. */
export async function runJobNow(ctx: CommandContext, name: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const run = await client.post<{ id: string; status: string }>(`${JOBS}/${segment(name)}/run`);
  if (opts.json) printJson(run);
  else say(`run ${run.id} queued; follow it with: remit runs watch ${run.id}`);
  return ExitCode.ok;
}

/** `remit insights findings list [--status S] [--severity S] [--job NAME]` (admins): newest first. */
export async function listFindings(ctx: CommandContext, opts: FindingsListOpts): Promise<number> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('usage', '--limit must be a positive whole number');
  const client = await apiFromOptions(opts, ctx.config);
  const findings = await client.list<Finding>(
    FINDINGS,
    { status: opts.status, severity: opts.severity, job: opts.job, limit: String(Math.min(limit, 200)) },
    limit,
  );
  if (opts.json) printJson(findings);
  else
    printTable(
      ['ID', 'SEVERITY', 'STATUS', 'JOB', 'TITLE'],
      findings.map((f) => [f.id, f.severity, f.status, f.job?.name ?? '-', f.title]),
      styleFor(process.stdout),
    );
  return ExitCode.ok;
}

/** `remit insights findings show ID` (admins): the finding, its evidence and its history. */
export async function showFinding(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const finding = await client.get<FindingDetail>(`${FINDINGS}/${segment(id)}`);
  if (opts.json) printJson(finding);
  else printFinding(finding);
  return ExitCode.ok;
}

/** `remit insights findings accept|dismiss|done ID [--note TEXT]` (admins): one move in the review queue. */
export async function moveFinding(
  ctx: CommandContext,
  id: string,
  status: 'accepted' | 'dismissed' | 'done',
  opts: ApiJsonOpts & { note?: string },
): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const finding = await client.post<FindingDetail>(`${FINDINGS}/${segment(id)}/status`, { status, ...(opts.note ? { note: opts.note } : {}) });
  if (opts.json) printJson(finding);
  else say(`finding ${finding.id} is now ${finding.status}`);
  return ExitCode.ok;
}

function printFinding(f: FindingDetail): void {
  const style = styleFor(process.stdout);
  printRecord(
    [
      ['id', f.id],
      ['title', f.title],
      ['severity', f.severity],
      ['status', f.status],
      ['job', f.job?.name ?? '-'],
      ['role', f.role ?? '-'],
      ['run', f.runId ?? '-'],
      ['summary', f.summary],
      ['suggested change', f.suggestedChange],
    ],
    style,
  );
  say('evidence:');
  for (const e of f.evidence) say(`  #${e.callSeq}${e.resultSeq === null ? '' : `/#${e.resultSeq}`} ${e.tool}: ${e.quote || '(no quote)'}`);
  say('history:');
  for (const h of f.history) say(`  ${h.at}  ${h.from ?? '-'} → ${h.to}  by ${h.byEmail ?? h.by ?? 'its run'}${h.note ? `: ${h.note}` : ''}`);
}

/** The job fields a command line gave, as the API names them. */
function jobFields(opts: InsightJobOpts): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({
      role: opts.role,
      schedule: opts.schedule,
      timezone: opts.timezone,
      focus: opts.focus,
      guidance: opts.guidance,
      enabled: opts.enabled,
    }).filter(([, v]) => v !== undefined),
  );
}
