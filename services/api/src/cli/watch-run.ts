import { setTimeout as sleep } from 'node:timers/promises';
import type { RunEvent } from '@remit/core';
import { ApiRequestError, segment, type ApiClient } from './api-client.ts';
import { CliError } from './command-context.ts';
import { escapeForTerminal } from './escape-for-terminal.ts';
import { Spinner } from './spinner.ts';
import { readSse } from '../http/sse-reader.ts';
import type { Style } from './terminal-style.ts';

const finalStatuses = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

function clip(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
}

// Every value in an event came from the server, the model or a tool, so each one is escaped
// before it meets our own colour codes; the colours are the only control sequences we write.
const text = (v: unknown) => escapeForTerminal(String(v));
const json = (v: unknown, max?: number) => escapeForTerminal(clip(String(JSON.stringify(v)), max));

/** One transcript event as a terminal line (or a few), with untrusted text escaped. */
export function renderEvent(e: RunEvent, style: Style): string {
  const { bold, dim, red, green, cyan, yellow } = style;
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'status': {
      const status = String(d.status);
      const extra = [
        d.reason && `reason: ${text(d.reason)}`,
        d.model && `model: ${text(d.model)}`,
        d.readyMs !== undefined && `sandbox ready in ${text(d.readyMs)} ms`,
      ]
        .filter(Boolean)
        .join(', ');
      const line = `${bold('●')} ${text(status)}${extra ? dim(` (${extra})`) : ''}`;
      if (!finalStatuses.has(status)) return line;
      const tint = status === 'succeeded' ? green : red;
      return `${tint(line)}${typeof d.answer === 'string' && d.answer ? `\n\n${bold('Answer')}\n${text(d.answer)}\n` : ''}`;
    }
    case 'model_turn': {
      // A turn without tool calls is the answer, which the final status prints in full.
      const calls = Array.isArray(d.toolCalls) ? d.toolCalls.length : 0;
      return typeof d.text === 'string' && d.text && calls > 0 ? `${cyan('model')}  ${text(d.text)}` : '';
    }
    case 'tool_call':
      return `${yellow('→ tool')} ${text(d.name)} ${dim(json(d.input, 200))}`;
    case 'tool_result':
      return d.ok ? `${green('← ok')}   ${dim(json(d.output))}` : `${red('← error')} ${json(d.error)}`;
    case 'tool_denied':
      return `${red('✗ denied')} ${text(d.name)}${d.connection ? ` → ${text(d.connection)}` : ''} ${dim(`(${text(d.reason)})`)}`;
    case 'egress':
      return dim(
        `  egress ${d.allowed ? 'allowed' : 'refused'}: ${text(d.method)} ${text(d.connection)}${text(d.path)}${d.status ? ` → ${text(d.status)}` : ''}`,
      );
    case 'connection_unavailable':
      return `${yellow('! connection')} ${text(d.name)} left out: ${text(d.reason)}`;
    case 'error':
      return red(`! ${text(d.message ?? d.reason)}`);
    case 'sandbox':
      return dim(`  sandbox: ${json(d, 200)}`);
    default:
      return dim(escapeForTerminal(JSON.stringify(e)));
  }
}

/** How a watch ended: the run's final status, or the person at the terminal detached (Ctrl-C) or cancelled the run (Ctrl-C twice). */
export type WatchOutcome = { end: 'finished'; status: string } | { end: 'detached' } | { end: 'cancelled'; status: string };

export interface WatchOptions {
  client: ApiClient;
  runId: string;
  style: Style;
  /** Transcript lines (default: stdout). */
  write?: (line: string) => void;
  /** Lines about the watch itself: reconnecting, detached (default: stderr). */
  note?: (line: string) => void;
  /** Each event as one JSON line instead of text. */
  json?: boolean;
  /** Show a spinner with the elapsed time while a tool call runs (stdout is a terminal). */
  spinner?: boolean;
  /** Ctrl-C detaches and a second one cancels (default: true). */
  handleInterrupt?: boolean;
}

/** How long after the first Ctrl-C a second one cancels the run; then `remit` exits and the run goes on. */
export const SECOND_INTERRUPT_MS = 3000;
/** Reconnection backoff: doubles from the first delay to the cap; the watch gives up after the total. */
const RECONNECT = { firstMs: 250, maxMs: 5000, giveUpMs: 120_000 };

/**
 * Follows a run's transcript until its final status. A dropped stream, or a server that goes
 * away and comes back, is resumed with Last-Event-ID after a visible "reconnecting…" line, so
 * nothing is shown twice or missed. Ctrl-C detaches (the run goes on) and says how to re-attach
 * or cancel; a second Ctrl-C within SECOND_INTERRUPT_MS cancels the run.
 */
export async function watchRun(options: WatchOptions): Promise<WatchOutcome> {
  const { client, runId, style } = options;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const note = options.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  const spinner = options.spinner ? new Spinner(process.stdout, style) : undefined;
  const show = (line: string) => {
    spinner?.stop();
    write(line);
  };
  // One listener for the whole watch, so a quick second Ctrl-C is never the default (exit at once).
  const first = new AbortController();
  const second = new AbortController();
  const onInterrupt = () => (first.signal.aborted ? second : first).abort();
  if (options.handleInterrupt !== false) process.on('SIGINT', onInterrupt);
  try {
    const status = await follow({ ...options, show, spinner, note, signal: first.signal });
    if (status !== undefined) return { end: 'finished', status };
    spinner?.stop();
    return await detach(client, runId, style, note, second.signal);
  } finally {
    spinner?.stop();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** Reads events until the final status (returned) or until `signal` aborts (undefined). */
async function follow(
  options: Omit<WatchOptions, 'spinner'> & { show: (line: string) => void; note: (line: string) => void; spinner: Spinner | undefined; signal: AbortSignal },
): Promise<string | undefined> {
  const { client, runId, style, show, note, spinner, signal } = options;
  let lastId: string | undefined;
  let failingSince: number | undefined;
  let delay = RECONNECT.firstMs;
  while (!signal.aborted) {
    try {
      const res = await client.open(
        `/v1/runs/${segment(runId)}/events`,
        { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal,
      );
      if (failingSince !== undefined) note(style.dim('reconnected'));
      failingSince = undefined;
      delay = RECONNECT.firstMs;
      for await (const message of readSse(res.body!)) {
        lastId = message.id ?? lastId;
        const event = JSON.parse(message.data) as RunEvent;
        const line = options.json ? escapeForTerminal(JSON.stringify(event)) : renderEvent(event, style);
        if (line) show(line);
        if (event.type === 'tool_call') spinner?.start(`${escapeForTerminal(String(event.data.name))} running`);
        if (event.type === 'status' && finalStatuses.has(String(event.data.status))) return String(event.data.status);
      }
    } catch (err) {
      if (signal.aborted) return undefined;
      // The server answered, and said no: reconnecting cannot help (the token, the run id).
      if (err instanceof ApiRequestError && err.status < 500 && err.status !== 429) throw err;
      if (err instanceof SyntaxError) throw new CliError('failed', `the transcript stream sent something that is not JSON: ${err.message}`, { cause: err });
    }
    // The stream ended without a final status, or the server went away: resume where it left off.
    failingSince ??= Date.now();
    if (Date.now() - failingSince > RECONNECT.giveUpMs)
      throw new CliError('failed', `lost the server at ${client.url} for ${RECONNECT.giveUpMs / 1000} s; re-attach with: remit runs watch ${runId}`);
    spinner?.stop();
    note(style.yellow(`reconnecting… (the transcript stream dropped; resuming after event ${lastId ?? 'none'})`));
    await sleep(delay, undefined, { signal }).catch(() => undefined);
    delay = Math.min(delay * 2, RECONNECT.maxMs);
  }
  return undefined;
}

/** After the first Ctrl-C: say how to come back, and cancel if a second Ctrl-C (`again`) follows soon. */
async function detach(client: ApiClient, runId: string, style: Style, note: (line: string) => void, again: AbortSignal): Promise<WatchOutcome> {
  const id = escapeForTerminal(runId);
  note('');
  note(`${style.bold('Detached')}: run ${id} keeps going.`);
  note(`  re-attach: remit runs watch ${id}`);
  note(`  cancel:    remit runs cancel ${id}   (or press Ctrl-C again within ${SECOND_INTERRUPT_MS / 1000} s)`);
  await sleep(SECOND_INTERRUPT_MS, undefined, { signal: again }).catch(() => undefined);
  if (!again.aborted) return { end: 'detached' };
  const result = await client.post<{ status?: string }>(`/v1/runs/${segment(runId)}/cancel`);
  const status = String(result?.status ?? 'cancelled');
  note(`run ${id} ${escapeForTerminal(status)}`);
  return { end: 'cancelled', status };
}
