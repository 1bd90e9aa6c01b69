// Test support only; nothing in src imports it. Bedrock cannot run here, so it is faked at the SDK
// boundary: aws-sdk-client-mock stubs BedrockRuntimeClient#send, the real client library builds
// every command the tests inspect, and nothing leaves the process.
import { BedrockRuntimeClient, type ConverseStreamOutput, type StopReason as BedrockStopReason, type TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import type { ConverseRequest, ModelStreamEvent } from './model-provider.ts';

export const fakeRegion = 'us-west-2';

/** A real client with made-up keys, and the fake that answers its `send`. */
export function fakeBedrock() {
  const client = new BedrockRuntimeClient({ region: fakeRegion, credentials: { accessKeyId: 'AKIDFAKEBEDROCK', secretAccessKey: 'fake-secret' } });
  return { client, bedrock: mockClient(client) };
}

/** A ConverseStream body as the SDK hands it over: an async iterable of union members. */
export async function* streamOf(events: readonly ConverseStreamOutput[]): AsyncGenerator<ConverseStreamOutput> {
  for (const event of events) yield event;
}

/** The SDK's behaviour for an exception event: it throws while iterating, after `before`. */
export async function* streamThatThrows(before: readonly ConverseStreamOutput[], error: Error): AsyncGenerator<ConverseStreamOutput> {
  yield* before;
  throw error;
}

/** Stream events in the shapes Bedrock sends for Claude. */
export const ev = {
  messageStart: (): ConverseStreamOutput => ({ messageStart: { role: 'assistant' } }),
  text: (index: number, text: string): ConverseStreamOutput => ({ contentBlockDelta: { contentBlockIndex: index, delta: { text } } }),
  toolStart: (index: number, toolUseId: string, name: string): ConverseStreamOutput => ({
    contentBlockStart: { contentBlockIndex: index, start: { toolUse: { toolUseId, name } } },
  }),
  toolInput: (index: number, input: string): ConverseStreamOutput => ({ contentBlockDelta: { contentBlockIndex: index, delta: { toolUse: { input } } } }),
  blockStop: (index: number): ConverseStreamOutput => ({ contentBlockStop: { contentBlockIndex: index } }),
  messageStop: (stopReason: BedrockStopReason): ConverseStreamOutput => ({ messageStop: { stopReason } }),
  metadata: (usage: Partial<TokenUsage>, latencyMs: number): ConverseStreamOutput => ({
    metadata: { usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, ...usage }, metrics: { latencyMs } },
  }),
};

/** A whole plain-text turn that ends with `stopReason`. */
export function textTurn(text: string, stopReason: BedrockStopReason = 'end_turn'): ConverseStreamOutput[] {
  return [
    ev.messageStart(),
    ev.text(0, text),
    ev.blockStop(0),
    ev.messageStop(stopReason),
    ev.metadata({ inputTokens: 20, outputTokens: 5, totalTokens: 25 }, 300),
  ];
}

export const request: ConverseRequest = {
  system: 'You are Remit, an agent working inside a sandbox.',
  messages: [{ role: 'user', content: [{ text: 'How many open pull requests does remit have?' }] }],
  tools: [
    {
      name: 'shell',
      description: 'Runs a shell command in the sandbox.',
      inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    },
  ],
};

export async function collect(events: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** Resolves to what `work` rejected with; fails the test if it resolved. */
export async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}
