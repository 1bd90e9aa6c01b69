// Test support only; nothing in src imports it. No model server can run here, so a fake one
// speaks the chat-completions wire format on 127.0.0.1, and the provider's real HTTP client,
// behind the real egress guard, talks to it.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible-provider.ts';
import type { AddressInfo } from 'node:net';

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** How the fake answers one request; replies are used in order, one per request. */
export type FakeReply = (res: ServerResponse, req: SeenRequest) => void;

export interface FakeOpenAIServer {
  /** `http://127.0.0.1:<port>/v1`, as a provider's baseUrl. */
  baseUrl: string;
  seen: SeenRequest[];
  /** TCP connections accepted, to prove a blocked request never connected. */
  connections(): number;
  /** Resolves when the client drops the connection of the request with this index. */
  disconnected(index: number): Promise<void>;
  close(): void;
}

/** Starts a fake OpenAI-compatible server on an ephemeral loopback port. */
async function startFakeOpenAIServer(replies: readonly FakeReply[]): Promise<FakeOpenAIServer> {
  const seen: SeenRequest[] = [];
  const drops: Promise<void>[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    // A failing fake answers with a reset rather than an unhandled rejection.
    void (async () => {
      let text = '';
      for await (const chunk of req) text += chunk;
      const entry = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
      drops[seen.length] = new Promise((resolve) => res.on('close', () => resolve()));
      seen.push(entry);
      const reply = replies[seen.length - 1];
      if (reply) reply(res, entry);
      else res.writeHead(500).end('the fake server has no reply for this request');
    })().catch(() => res.destroy());
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    seen,
    connections: () => connections,
    disconnected: (index) => drops[index] ?? Promise.reject(new Error(`no request ${index}`)),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A 200 event stream of `events`, each a `data:` line (objects as JSON), ending with [DONE] unless told not to. */
export function sse(events: readonly (object | string)[], options: { done?: boolean; end?: boolean } = {}): FakeReply {
  return (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of events) res.write(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`);
    if (options.done ?? true) res.write('data: [DONE]\n\n');
    if (options.end ?? true) res.end();
  };
}

/** A JSON answer, as servers send errors. */
export function json(status: number, body: object, headers: Record<string, string> = {}): FakeReply {
  return (res) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Chunks in the shapes OpenAI streams them. */
export const chunk = {
  text: (content: string, finish: string | null = null) => ({
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  }),
  role: () => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
  tool: (index: number, fn: { name?: string; arguments?: string }, id?: string) => ({
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { tool_calls: [{ index, ...(id && { id, type: 'function' }), function: fn }] }, finish_reason: null }],
  }),
  finish: (reason: string) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: reason }] }),
  usage: (prompt: number, completion: number, cached?: number) => ({
    object: 'chat.completion.chunk',
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      ...(cached !== undefined && { prompt_tokens_details: { cached_tokens: cached } }),
    },
  }),
};

/** Starts fake servers for one test file and closes them after each test (pass vitest's afterEach). */
export function fakeOpenAIServers(afterEach: (fn: () => void) => void): (...replies: FakeReply[]) => Promise<FakeOpenAIServer> {
  const servers: FakeOpenAIServer[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));
  return async (...replies) => {
    const server = await startFakeOpenAIServer(replies);
    servers.push(server);
    return server;
  };
}

/** The real provider pointed at a fake server, with backoff waits recorded instead of slept. */
export function providerFor(server: FakeOpenAIServer, extra: Partial<OpenAICompatibleOptions> = {}) {
  const delays: number[] = [];
  const model = createOpenAICompatibleProvider({
    baseUrl: server.baseUrl,
    model: 'llama-3.3-70b',
    allowCidrs: ['127.0.0.1/32'],
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    ...extra,
  });
  return { model, delays, origin: new URL(server.baseUrl).origin };
}
