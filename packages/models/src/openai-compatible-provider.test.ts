// Every test talks to a fake OpenAI-compatible server on 127.0.0.1, allowed by its /32 alone.
import { afterEach, describe, expect, it } from 'vitest';
import { chunk, sse, fakeOpenAIServers, providerFor, type FakeOpenAIServer } from './fake-openai-server.ts';
import type { ConverseRequest, ModelStreamEvent } from './model-provider.ts';
import type { OpenAICompatibleOptions } from './openai-compatible-provider.ts';

const fake = fakeOpenAIServers(afterEach);
const provider = (server: FakeOpenAIServer, extra: Partial<OpenAICompatibleOptions> = {}) => providerFor(server, { model: 'qwen2.5-coder-32b', ...extra });

const request: ConverseRequest = {
  system: 'You are Remit.',
  messages: [{ role: 'user', content: [{ text: 'List the open pull requests.' }] }],
  tools: [{ name: 'shell', description: 'Runs a command in the sandbox.', inputSchema: { type: 'object', properties: { command: { type: 'string' } } } }],
};

async function collect(events: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const withoutLatency = (events: ModelStreamEvent[]) => events.map((e) => (e.type === 'metadata' ? { ...e, latencyMs: 'measured' } : e));

describe('OpenAI-compatible provider: streaming', () => {
  it('streams text as it arrives and reports the last chunk usage, cached tokens apart', async () => {
    const server = await fake(
      sse([chunk.role(), chunk.text('There are '), chunk.text('3 open'), chunk.text(' pull requests.'), chunk.finish('stop'), chunk.usage(120, 9, 100)]),
    );
    const { model } = provider(server);
    const events = await collect(model.converse(request));
    expect(withoutLatency(events)).toEqual([
      { type: 'text_delta', text: 'There are ' },
      { type: 'text_delta', text: '3 open' },
      { type: 'text_delta', text: ' pull requests.' },
      { type: 'stop', reason: 'end_turn' },
      { type: 'metadata', usage: { inputTokens: 20, outputTokens: 9, cacheReadInputTokens: 100 }, latencyMs: 'measured' },
    ]);
    const metadata = events.at(-1) as Extract<ModelStreamEvent, { type: 'metadata' }>;
    expect(metadata.latencyMs).toBeGreaterThan(0);
    expect(model.label).toBe(`openai-compatible:qwen2.5-coder-32b@${new URL(server.baseUrl).origin}`);
    expect(model.provider).toBe('openai-compatible');
    expect(model.contextWindowTokens).toBe(32_000);
    expect(provider(server, { contextWindowTokens: 131_072 }).model.contextWindowTokens).toBe(131_072);
  });

  it('joins a tool call whose arguments arrive in many fragments', async () => {
    const args = '{"command": "gh pr list --state open --json number,title"}';
    const fragments = args.match(/.{1,4}/g)!.map((piece) => chunk.tool(0, { arguments: piece }));
    const server = await fake(
      sse([chunk.tool(0, { name: 'shell', arguments: '' }, 'call_abc'), ...fragments, chunk.finish('tool_calls'), chunk.usage(50, 30)]),
    );
    const events = await collect(provider(server).model.converse(request));
    expect(withoutLatency(events)).toEqual([
      { type: 'tool_use', toolUseId: 'call_abc', name: 'shell', input: { command: 'gh pr list --state open --json number,title' } },
      { type: 'stop', reason: 'tool_use' },
      { type: 'metadata', usage: { inputTokens: 50, outputTokens: 30 }, latencyMs: 'measured' },
    ]);
  });

  it('keeps two parallel tool calls apart by index, interleaved, in index order', async () => {
    const server = await fake(
      sse([
        chunk.text('Checking both.'),
        chunk.tool(1, { name: 'shell', arguments: '{"command":' }, 'call_b'),
        chunk.tool(0, { name: 'shell', arguments: '{"comm' }, 'call_a'),
        chunk.tool(0, { arguments: 'and": "ls"}' }),
        chunk.tool(1, { arguments: ' "pwd"}' }),
        chunk.finish('tool_calls'),
      ]),
    );
    const events = await collect(provider(server).model.converse(request));
    expect(events.filter((e) => e.type !== 'metadata')).toEqual([
      { type: 'text_delta', text: 'Checking both.' },
      { type: 'tool_use', toolUseId: 'call_a', name: 'shell', input: { command: 'ls' } },
      { type: 'tool_use', toolUseId: 'call_b', name: 'shell', input: { command: 'pwd' } },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  it('sends the conversation as chat-completions messages, tools, stream_options and the bearer key', async () => {
    const server = await fake(sse([chunk.text('ok', 'stop')]));
    const { model } = provider(server, { apiKey: 'sk-local-test', maxTokens: 1024, temperature: 0.2 });
    await collect(
      model.converse({
        ...request,
        messages: [
          { role: 'user', content: [{ text: 'List the open pull requests.' }] },
          {
            role: 'assistant',
            content: [
              { text: 'Let me look.' },
              { toolUse: { toolUseId: 'call_1', name: 'shell', input: { command: 'gh pr list' } } },
              { toolUse: { toolUseId: 'call_2', name: 'shell', input: { command: 'gh auth status' } } },
            ],
          },
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: 'call_1', content: [{ text: '#12 Fix login' }, { json: { count: 1 } }], status: 'success' } },
              { toolResult: { toolUseId: 'call_2', content: [{ text: 'not logged in' }], status: 'error' } },
            ],
          },
        ],
      }),
    );
    const [seen] = server.seen;
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-local-test', 'content-type': 'application/json' },
    });
    expect(seen!.body).toEqual({
      model: 'qwen2.5-coder-32b',
      messages: [
        { role: 'system', content: 'You are Remit.' },
        { role: 'user', content: 'List the open pull requests.' },
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"command":"gh pr list"}' } },
            { id: 'call_2', type: 'function', function: { name: 'shell', arguments: '{"command":"gh auth status"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '#12 Fix login\n{"count":1}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'Error: not logged in' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'shell',
            description: 'Runs a command in the sandbox.',
            parameters: { type: 'object', properties: { command: { type: 'string' } } },
          },
        },
      ],
      max_tokens: 1024,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('sends no tools, no temperature and no Authorization when there are none', async () => {
    const server = await fake(sse([chunk.text('ok', 'stop')]));
    await collect(provider(server).model.converse({ ...request, tools: [] }));
    const [seen] = server.seen;
    expect(seen!.headers.authorization).toBeUndefined();
    expect(Object.keys(seen!.body).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream', 'stream_options']);
    expect(seen!.body.max_tokens).toBe(4096);
  });

  it('answers malformed_tool_use, and runs no call, when the joined arguments are not JSON', async () => {
    const server = await fake(
      sse([chunk.tool(0, { name: 'shell', arguments: '{"command": "ls' }, 'call_x'), chunk.tool(0, { arguments: ' -la' }), chunk.finish('tool_calls')]),
    );
    const events = await collect(provider(server).model.converse(request));
    expect(events.filter((e) => e.type !== 'metadata')).toEqual([{ type: 'stop', reason: 'malformed_tool_use' }]);
  });

  it('maps finish reasons: length is max_tokens (its half-written call is not run), content_filter is content_filtered', async () => {
    const server = await fake(
      sse([chunk.tool(0, { name: 'shell', arguments: '{"comm' }, 'call_y'), chunk.finish('length')]),
      sse([chunk.text('', 'content_filter')]),
    );
    const { model } = provider(server);
    expect((await collect(model.converse(request))).filter((e) => e.type !== 'metadata')).toEqual([{ type: 'stop', reason: 'max_tokens' }]);
    expect((await collect(model.converse(request))).filter((e) => e.type !== 'metadata')).toEqual([{ type: 'stop', reason: 'content_filtered' }]);
  });
});

describe('OpenAI-compatible provider: servers that differ from OpenAI', () => {
  it('a server without usage, with finish_reason on the content chunk and no [DONE], reports zeros', async () => {
    const server = await fake(sse([chunk.text('Hello'), chunk.text(' there.', 'stop')], { done: false }));
    const events = await collect(provider(server).model.converse(request));
    expect(withoutLatency(events)).toEqual([
      { type: 'text_delta', text: 'Hello' },
      { type: 'text_delta', text: ' there.' },
      { type: 'stop', reason: 'end_turn' },
      { type: 'metadata', usage: { inputTokens: 0, outputTokens: 0 }, latencyMs: 'measured' },
    ]);
  });

  it('gives calls without ids the same generated ids every time, unique per turn', async () => {
    const noIds = sse([
      chunk.tool(0, { name: 'shell', arguments: '{"command":"ls"}' }),
      chunk.tool(1, { name: 'shell', arguments: '{}' }),
      chunk.finish('tool_calls'),
    ]);
    const server = await fake(noIds, noIds, noIds);
    const { model } = provider(server);
    const ids = async (r: ConverseRequest) => (await collect(model.converse(r))).flatMap((e) => (e.type === 'tool_use' ? [e.toolUseId] : []));
    expect(await ids(request)).toEqual(['call_t0_0', 'call_t0_1']);
    expect(await ids(request)).toEqual(['call_t0_0', 'call_t0_1']);
    const later = {
      ...request,
      messages: [...request.messages, { role: 'assistant' as const, content: [{ text: 'Done.' }] }, { role: 'user' as const, content: [{ text: 'Again.' }] }],
    };
    expect(await ids(later)).toEqual(['call_t1_0', 'call_t1_1']);
  });

  it('treats a tool call under finish_reason "stop" (as some Ollama releases send) as tool_use', async () => {
    const server = await fake(sse([chunk.tool(0, { name: 'shell', arguments: '{"command":"ls"}' }, 'call_o'), chunk.finish('stop')]));
    const events = await collect(provider(server).model.converse(request));
    expect(events.filter((e) => e.type === 'stop')).toEqual([{ type: 'stop', reason: 'tool_use' }]);
  });
});
