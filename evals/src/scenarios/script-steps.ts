import type { ScriptedTurn } from '@remit/models';

/** The building blocks of the scripted turns: what a model's tool calls look like, written once. */

type ToolCall = NonNullable<ScriptedTurn['toolCalls']>[number];

/** An `http` tool call to a connection. */
export function http(connection: string, path: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', body?: string): ToolCall {
  return { name: 'http', input: { connection, method, path, ...(body === undefined ? {} : { body }) } };
}

/**
 * An `exec` tool call running node inside the sandbox, sending one request through the egress
 * socket with `host` as its Host: a connection of the role is forwarded with its credentials
 * added outside the sandbox; any other host is refused by the run's egress proxy.
 */
export function execRequest(host: string, path: string, options: { method?: 'GET' | 'POST'; body?: string } = {}): ToolCall {
  const code = `
const http = require('node:http');
const req = http.request({ socketPath: '/run/remit/egress.sock', host: ${JSON.stringify(host)}, path: ${JSON.stringify(path)}, method: ${JSON.stringify(options.method ?? 'GET')} }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body: body.slice(0, 2000) })));
});
req.on('error', (e) => { console.error(e.message); process.exit(1); });
req.end(${JSON.stringify(options.body ?? '')});
`;
  return { name: 'exec', input: { command: ['node', '-e', code], timeoutMs: 10_000 } };
}

/** A turn: some text, then tool calls. */
export function turn(text: string, ...toolCalls: ToolCall[]): ScriptedTurn {
  return toolCalls.length ? { text, toolCalls } : { text };
}

/** The final answer, one line per element. */
export function answer(...lines: string[]): ScriptedTurn {
  return { text: lines.join('\n') };
}
