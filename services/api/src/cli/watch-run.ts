import type { RunEvent } from '@remit/core';
import { escapeForTerminal } from './escape-for-terminal.ts';
import { readSse } from './sse-client.ts';

const finalStatuses = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
const color = (code: number) => (s: string) => (process.stdout.isTTY ? `\u001b[${code}m${s}\u001b[0m` : s);
const dim = color(2);
const bold = color(1);
const red = color(31);
const green = color(32);
const cyan = color(36);
const yellow = color(33);

function clip(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
}

// Every value in an event came from the server, the model or a tool, so each one is escaped
// before it meets our own colour codes; the colours are the only control sequences we write.
const text = (v: unknown) => escapeForTerminal(String(v));
const json = (v: unknown, max?: number) => escapeForTerminal(clip(String(JSON.stringify(v)), max));

/** One transcript event as a terminal line (or a few), with untrusted text escaped. */
export function renderEvent(e: RunEvent): string {
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

/**
 * Follows a run's transcript until its final status, reconnecting with Last-Event-ID if the
 * stream drops. Returns the final status.
 */
export async function watchRun(options: { api: string; token: string; runId: string; write?: (line: string) => void }): Promise<string> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let lastId: string | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(`${options.api}/v1/runs/${options.runId}/events`, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
    });
    if (!res.ok || !res.body) throw new Error(`watching the run failed: HTTP ${res.status} ${escapeForTerminal(await res.text())}`);
    for await (const message of readSse(res.body)) {
      lastId = message.id ?? lastId;
      const event = JSON.parse(message.data) as RunEvent;
      const line = renderEvent(event);
      if (line) write(line);
      if (event.type === 'status' && finalStatuses.has(String(event.data.status))) return String(event.data.status);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the event stream kept dropping; check the server');
}
