// Bedrock is faked at the SDK boundary (aws-sdk-client-mock on a real BedrockRuntimeClient); see fake-bedrock.ts.
import { ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BEDROCK_MODEL_ID, cachePointsFor, contextWindowFor } from './bedrock-models.ts';
import { createBedrockProvider, type BedrockProviderOptions } from './bedrock-provider.ts';
import { collect, fakeBedrock, fakeRegion, request, streamOf, textTurn } from './fake-bedrock.ts';
import type { ConverseRequest } from './model-provider.ts';

const cachePoint = { cachePoint: { type: 'default' } };

/** The ConverseStream input the real client was given for one call. */
async function sentInput(options: Omit<BedrockProviderOptions, 'client' | 'region'>, req: ConverseRequest = request) {
  const { client, bedrock } = fakeBedrock();
  bedrock.on(ConverseStreamCommand).resolves({ stream: streamOf(textTurn('ok')) });
  await collect(createBedrockProvider({ ...options, region: fakeRegion, client }).converse(req));
  expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
  return bedrock.commandCalls(ConverseStreamCommand)[0]!.args[0].input;
}

// A second step of a run: the model called a tool, the tool failed, and its error goes back.
const secondStep: ConverseRequest = {
  ...request,
  messages: [
    ...request.messages,
    {
      role: 'assistant',
      content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'shell', input: { command: 'gh pr list --state open' } } }],
    },
    {
      role: 'user',
      content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'gh: not authenticated' }, { json: { exitCode: 4 } }], status: 'error' } }],
    },
  ],
};

describe('ConverseStream request (fake Bedrock)', () => {
  it('sends exactly this for a Claude model: cachePoints after the system prompt and after the tools, the tool error with status error', async () => {
    const input = await sentInput({ modelId: DEFAULT_BEDROCK_MODEL_ID, maxTokens: 4096, temperature: 0.2 }, secondStep);
    expect(input).toEqual({
      modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      system: [{ text: 'You are Remit, an agent working inside a sandbox.' }, cachePoint],
      messages: [
        { role: 'user', content: [{ text: 'How many open pull requests does remit have?' }] },
        {
          role: 'assistant',
          content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'shell', input: { command: 'gh pr list --state open' } } }],
        },
        {
          role: 'user',
          content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'gh: not authenticated' }, { json: { exitCode: 4 } }], status: 'error' } }],
        },
      ],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'shell',
              description: 'Runs a shell command in the sandbox.',
              inputSchema: { json: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
            },
          },
          cachePoint,
        ],
      },
      inferenceConfig: { maxTokens: 4096, temperature: 0.2 },
    });
  });

  it('omits toolConfig without tools, the system prompt when empty, and temperature when unset (maxTokens defaults to 8192)', async () => {
    const input = await sentInput({ modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' }, { ...request, system: '', tools: [] });
    expect(input).toEqual({
      modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      messages: request.messages,
      inferenceConfig: { maxTokens: 8192 },
    });
  });

  it('adds guardrailConfig in sync mode, trace disabled unless asked', async () => {
    const withTrace = await sentInput({ modelId: DEFAULT_BEDROCK_MODEL_ID, guardrail: { identifier: 'gr-abc123xyz', version: '3', trace: 'enabled' } });
    expect(withTrace.guardrailConfig).toEqual({ guardrailIdentifier: 'gr-abc123xyz', guardrailVersion: '3', trace: 'enabled', streamProcessingMode: 'sync' });
    const withoutTrace = await sentInput({ modelId: DEFAULT_BEDROCK_MODEL_ID, guardrail: { identifier: 'gr-abc123xyz', version: 'DRAFT' } });
    expect(withoutTrace.guardrailConfig).toEqual({
      guardrailIdentifier: 'gr-abc123xyz',
      guardrailVersion: 'DRAFT',
      trace: 'disabled',
      streamProcessingMode: 'sync',
    });
    expect(await sentInput({ modelId: DEFAULT_BEDROCK_MODEL_ID })).not.toHaveProperty('guardrailConfig');
  });

  it('puts a cachePoint on the system prompt only for Amazon Nova, which refuses one among tools', async () => {
    const input = await sentInput({ modelId: 'us.amazon.nova-pro-v1:0' });
    expect(input.system).toEqual([{ text: request.system }, cachePoint]);
    expect(input.toolConfig?.tools).toHaveLength(1);
  });

  it('sends no cachePoint to a model not known to support it, or when caching is turned off', async () => {
    for (const input of [
      await sentInput({ modelId: 'meta.llama3-3-70b-instruct-v1:0' }),
      await sentInput({ modelId: DEFAULT_BEDROCK_MODEL_ID, promptCaching: false }),
    ]) {
      expect(input.system).toEqual([{ text: request.system }]);
      expect(input.toolConfig?.tools).toHaveLength(1);
    }
  });

  it('caches for an application inference profile ARN only when the caller says its model supports it', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:444455556666:application-inference-profile/a1b2c3d4e5f6';
    expect(cachePointsFor(arn)).toEqual({ system: false, tools: false });
    const input = await sentInput({ modelId: arn, promptCaching: true });
    expect(input.modelId).toBe(arn);
    expect(input.system).toEqual([{ text: request.system }, cachePoint]);
    expect(input.toolConfig?.tools?.at(-1)).toEqual(cachePoint);
  });

  it('reads the model out of profile ids and ARNs to decide on caching', () => {
    const claude = { system: true, tools: true };
    expect(cachePointsFor('anthropic.claude-sonnet-4-20250514-v1:0')).toEqual(claude);
    expect(cachePointsFor('eu.anthropic.claude-3-7-sonnet-20250219-v1:0')).toEqual(claude);
    expect(cachePointsFor('global.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual(claude);
    expect(cachePointsFor('arn:aws:bedrock:us-east-1:444455556666:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0')).toEqual(claude);
    expect(cachePointsFor('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual(claude);
    // Claude 3 Sonnet predates prompt caching on Bedrock.
    expect(cachePointsFor('anthropic.claude-3-sonnet-20240229-v1:0')).toEqual({ system: false, tools: false });
    expect(cachePointsFor('apac.amazon.nova-lite-v1:0')).toEqual({ system: true, tools: false });
  });

  it('names itself after the model and knows its context window', () => {
    const provider = createBedrockProvider({ modelId: DEFAULT_BEDROCK_MODEL_ID, region: fakeRegion, client: fakeBedrock().client });
    expect(provider).toMatchObject({
      label: `bedrock:${DEFAULT_BEDROCK_MODEL_ID}`,
      provider: 'bedrock',
      modelId: DEFAULT_BEDROCK_MODEL_ID,
      contextWindowTokens: 200_000,
    });
    const custom = createBedrockProvider({
      modelId: 'arn:aws:bedrock:us-east-1:444455556666:imported-model/abc123',
      region: fakeRegion,
      contextWindowTokens: 64_000,
    });
    expect(custom.contextWindowTokens).toBe(64_000);
  });

  it('assumes a small context window for a model it does not know, so tool results are cut rather than overflow', () => {
    expect(contextWindowFor('us.amazon.nova-premier-v1:0')).toBe(1_000_000);
    expect(contextWindowFor('amazon.nova-micro-v1:0')).toBe(128_000);
    expect(contextWindowFor('anthropic.claude-3-haiku-20240307-v1:0')).toBe(200_000);
    expect(contextWindowFor('mistral.mistral-7b-instruct-v0:2')).toBe(32_000);
  });
});
