// Bedrock is faked at the SDK boundary (aws-sdk-client-mock on a real BedrockRuntimeClient); see fake-bedrock.ts.
import { ConverseStreamCommand, type ConverseStreamOutput, type StopReason as BedrockStopReason } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { createBedrockProvider } from './bedrock-provider.ts';
import { toStopReason } from './bedrock-stream.ts';
import { collect, ev, fakeBedrock, fakeRegion, rejection, request, streamOf, textTurn } from './fake-bedrock.ts';
import { ModelError } from './model-error.ts';
import type { StopReason } from './model-provider.ts';

const modelId = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** A provider on a fake Bedrock that answers once with `events`; sleeps are recorded, not waited. */
function providerAnswering(events: readonly ConverseStreamOutput[]) {
  const { client, bedrock } = fakeBedrock();
  bedrock.on(ConverseStreamCommand).resolves({ stream: streamOf(events) });
  const sleeps: number[] = [];
  const provider = createBedrockProvider({ modelId, region: fakeRegion, client, sleep: async (ms) => void sleeps.push(ms) });
  return { provider, bedrock, sleeps };
}

describe('Bedrock stream → our events (fake Bedrock)', () => {
  it('streams a text answer as deltas, then stop and metadata', async () => {
    const { provider } = providerAnswering([
      ev.messageStart(),
      ev.text(0, 'remit has'),
      ev.text(0, ' 3 open pull'),
      ev.text(0, ' requests.'),
      ev.blockStop(0),
      ev.messageStop('end_turn'),
      ev.metadata({ inputTokens: 1234, outputTokens: 12, totalTokens: 1246 }, 812),
    ]);
    expect(await collect(provider.converse(request))).toEqual([
      { type: 'text_delta', text: 'remit has' },
      { type: 'text_delta', text: ' 3 open pull' },
      { type: 'text_delta', text: ' requests.' },
      { type: 'stop', reason: 'end_turn' },
      { type: 'metadata', usage: { inputTokens: 1234, outputTokens: 12 }, latencyMs: 812 },
    ]);
  });

  it('joins a tool input that arrives in 3 fragments and parses it once the block stops', async () => {
    const { provider } = providerAnswering([
      ev.messageStart(),
      ev.text(0, 'Let me look.'),
      ev.blockStop(0),
      ev.toolStart(1, 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', 'shell'),
      ev.toolInput(1, '{"comm'),
      ev.toolInput(1, 'and": "gh pr list --st'),
      ev.toolInput(1, 'ate open"}'),
      ev.blockStop(1),
      ev.messageStop('tool_use'),
      ev.metadata({ inputTokens: 410, outputTokens: 61, totalTokens: 471 }, 1490),
    ]);
    const events = await collect(provider.converse(request));
    expect(events.filter((e) => e.type !== 'metadata')).toEqual([
      { type: 'text_delta', text: 'Let me look.' },
      { type: 'tool_use', toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'shell', input: { command: 'gh pr list --state open' } },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  it('reports two tool calls in one turn, each with its own input, in block order', async () => {
    const { provider } = providerAnswering([
      ev.messageStart(),
      ev.toolStart(0, 'tooluse_first', 'shell'),
      ev.toolInput(0, '{"command": "ls"}'),
      ev.blockStop(0),
      ev.toolStart(1, 'tooluse_second', 'http'),
      ev.toolInput(1, '{"connection": "github", '),
      ev.toolInput(1, '"path": "/repos/acme/remit/pulls"}'),
      ev.blockStop(1),
      ev.messageStop('tool_use'),
    ]);
    expect(await collect(provider.converse(request))).toEqual([
      { type: 'tool_use', toolUseId: 'tooluse_first', name: 'shell', input: { command: 'ls' } },
      { type: 'tool_use', toolUseId: 'tooluse_second', name: 'http', input: { connection: 'github', path: '/repos/acme/remit/pulls' } },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  it('gives a tool with no parameters an empty input when no fragment arrives', async () => {
    const { provider } = providerAnswering([ev.messageStart(), ev.toolStart(0, 'tooluse_noargs', 'whoami'), ev.blockStop(0), ev.messageStop('tool_use')]);
    expect(await collect(provider.converse(request))).toEqual([
      { type: 'tool_use', toolUseId: 'tooluse_noargs', name: 'whoami', input: {} },
      { type: 'stop', reason: 'tool_use' },
    ]);
  });

  const malformedInputs: [string, ConverseStreamOutput[]][] = [
    ['input that is not JSON', [ev.toolStart(1, 'tooluse_bad', 'shell'), ev.toolInput(1, '{"command": "ls'), ev.toolInput(1, ' -la'), ev.blockStop(1)]],
    ['input that is JSON but not an object', [ev.toolStart(1, 'tooluse_bad', 'shell'), ev.toolInput(1, '["ls"]'), ev.blockStop(1)]],
    ['input fragments without a tool start', [ev.toolInput(1, '{"command": "ls"}'), ev.blockStop(1)]],
    ['a tool block still open at messageStop', [ev.toolStart(1, 'tooluse_open', 'shell'), ev.toolInput(1, '{"command": "ls"}')]],
  ];
  for (const [what, toolBlock] of malformedInputs) {
    it(`turns ${what} into malformed_tool_use, drops that call and keeps going`, async () => {
      const { provider } = providerAnswering([
        ev.messageStart(),
        ev.text(0, 'Listing files.'),
        ev.blockStop(0),
        ...toolBlock,
        ev.toolStart(2, 'tooluse_good', 'shell'),
        ev.toolInput(2, '{"command": "pwd"}'),
        ev.blockStop(2),
        ev.messageStop('tool_use'),
        ev.metadata({ inputTokens: 300, outputTokens: 40 }, 900),
      ]);
      const events = await collect(provider.converse(request));
      expect(events.filter((e) => e.type === 'tool_use').map((e) => e.toolUseId)).toEqual(['tooluse_good']);
      expect(events.find((e) => e.type === 'stop')).toEqual({ type: 'stop', reason: 'malformed_tool_use' });
      expect(events.at(-1)).toMatchObject({ type: 'metadata', latencyMs: 900 });
    });
  }

  const everyStopReason: BedrockStopReason[] = [
    'end_turn',
    'tool_use',
    'max_tokens',
    'stop_sequence',
    'guardrail_intervened',
    'content_filtered',
    'malformed_model_output',
    'malformed_tool_use',
    'model_context_window_exceeded',
  ];
  for (const reason of everyStopReason) {
    it(`maps Bedrock's stop reason ${reason} to ours`, async () => {
      const { provider } = providerAnswering(textTurn('Partial answer', reason));
      const stop = (await collect(provider.converse(request))).find((e) => e.type === 'stop');
      expect(stop).toEqual({ type: 'stop', reason: reason satisfies StopReason });
    });
  }

  it('maps a stop reason newer than the SDK, or none, to malformed_model_output so the run fails instead of trusting the turn', async () => {
    const { provider } = providerAnswering(textTurn('Half an answ', 'pause_turn' as BedrockStopReason));
    expect((await collect(provider.converse(request))).find((e) => e.type === 'stop')).toEqual({ type: 'stop', reason: 'malformed_model_output' });
    expect(toStopReason(undefined)).toBe('malformed_model_output');
    // Inherited names are not stop reasons.
    expect(toStopReason('constructor')).toBe('malformed_model_output');
  });

  it('reports usage with cache reads and writes and the latency Bedrock measured', async () => {
    const { provider } = providerAnswering([
      ...textTurn('Done.').slice(0, -1),
      ev.metadata({ inputTokens: 58, outputTokens: 210, totalTokens: 4364, cacheReadInputTokens: 3072, cacheWriteInputTokens: 1024 }, 2314),
    ]);
    const metadata = (await collect(provider.converse(request))).at(-1);
    expect(metadata).toEqual({
      type: 'metadata',
      usage: { inputTokens: 58, outputTokens: 210, cacheReadInputTokens: 3072, cacheWriteInputTokens: 1024 },
      latencyMs: 2314,
    });
  });

  it('measures the latency itself when Bedrock reports none', async () => {
    const { provider } = providerAnswering([
      ...textTurn('Done.').slice(0, -1),
      { metadata: { usage: { inputTokens: 5, outputTokens: 1, totalTokens: 6 }, metrics: undefined } },
    ]);
    const metadata = (await collect(provider.converse(request))).at(-1);
    expect(metadata).toMatchObject({ type: 'metadata', usage: { inputTokens: 5, outputTokens: 1 } });
    expect(metadata?.type === 'metadata' && metadata.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a stream that ends before messageStop as model_failed, after the text it did get', async () => {
    const { provider, bedrock, sleeps } = providerAnswering([ev.messageStart(), ev.text(0, 'The answer is')]);
    const seen: unknown[] = [];
    const err = await rejection(
      (async () => {
        for await (const e of provider.converse(request)) seen.push(e);
      })(),
    );
    expect(seen).toEqual([{ type: 'text_delta', text: 'The answer is' }]);
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ code: 'model_failed', message: expect.stringContaining('ended before the model finished') });
    // Retryable in itself, but not after output: a second call would repeat "The answer is".
    expect(err).toMatchObject({ retryable: true });
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});
