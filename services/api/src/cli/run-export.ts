import type { Run, RunEvent } from '@remit/core';
import { escapeForTerminal } from './escape-for-terminal.ts';

/** A run and its whole transcript: what `remit runs export --format json` writes. */
export interface RunExport {
  run: Run;
  events: RunEvent[];
}

// Everything below came from the server, a model or a tool. Controls are escaped whatever the
// destination (a file is read with cat later); fences are longer than any backtick run inside.
const safe = (v: unknown) => escapeForTerminal(typeof v === 'string' ? v : JSON.stringify(v));
const inline = (v: unknown) =>
  safe(v)
    .replace(/[\n\r]+/g, ' ')
    .replace(/\|/g, '\\|');

function fenced(value: unknown, lang = 'json'): string {
  const body = typeof value === 'string' ? safe(value) : escapeForTerminal(JSON.stringify(value, null, 2) ?? 'null');
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body}\n${fence}`;
}

const quote = (text: string) =>
  safe(text)
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');

function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function eventMarkdown(e: RunEvent): string {
  const d = e.data as Record<string, unknown>;
  const at = inline(e.at);
  switch (e.type) {
    case 'status':
      return `- \`${at}\` **${inline(d.status)}**${d.reason ? ` (${inline(d.reason)})` : ''}${d.model ? `, model ${inline(d.model)}` : ''}`;
    case 'model_turn':
      return typeof d.text === 'string' && d.text ? `- \`${at}\` **model** (step ${inline(d.step)})\n\n${quote(d.text)}\n` : '';
    case 'tool_call':
      return `- \`${at}\` **tool call** \`${inline(d.name)}\`\n\n${fenced(d.input)}\n`;
    case 'tool_result':
      return `- \`${at}\` **tool result** \`${inline(d.name)}\`: ${d.ok ? 'ok' : 'error'}\n\n${fenced(d.ok ? d.output : d.error)}\n`;
    case 'tool_denied':
      return `- \`${at}\` **denied** \`${inline(d.name)}\`${d.connection ? ` → ${inline(d.connection)}` : ''} (${inline(d.reason)})`;
    case 'egress':
      return `- \`${at}\` egress ${d.allowed ? 'allowed' : 'refused'}: ${inline(d.method)} ${inline(d.connection)}${inline(d.path)}${d.status ? ` → ${inline(d.status)}` : ''}`;
    case 'connection_unavailable':
      return `- \`${at}\` **connection left out** ${inline(d.name)}: ${inline(d.reason)}`;
    case 'error':
      return `- \`${at}\` **error** ${inline(d.message ?? d.reason)}`;
    default:
      return `- \`${at}\` ${inline(e.type)} ${inline(d)}`;
  }
}

/** The facts every view of a run shows, in order: `runs show` and the Markdown export both start from these. */
export function runSummaryRows(run: Run): [string, string][] {
  const usage = run.usage
    ? `${run.usage.calls} model call${run.usage.calls === 1 ? '' : 's'}, ${run.usage.inputTokens} input / ${run.usage.outputTokens} output tokens, $${run.usage.costUsd.toFixed(4)}`
    : '-';
  return [
    ['status', `${run.status}${run.statusReason ? ` (${run.statusReason})` : ''}`],
    ['kind', run.kind],
    ['role', run.role],
    ['user', run.userEmail ?? run.userId ?? '-'],
    ['model', run.model ?? '-'],
    ['steps', `${run.steps} of ${run.limits.maxSteps}`],
    ['usage', usage],
    ['created', run.createdAt],
  ];
}

/** The run as a Markdown document: a summary table, the question, the transcript and the answer. */
export function runMarkdown({ run, events }: RunExport): string {
  const rows: [string, unknown][] = [...runSummaryRows(run), ['finished', run.finishedAt ?? '-'], ['duration', durationText(run.durationMs)]];
  return [
    `# Run ${inline(run.id)}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${inline(v)} |`),
    '',
    '## Question',
    '',
    quote(run.input),
    '',
    '## Transcript',
    '',
    ...events.map(eventMarkdown).filter(Boolean),
    '',
    '## Answer',
    '',
    run.answer ? safe(run.answer) : '_No answer._',
    '',
  ].join('\n');
}
