import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockProvider } from '@remit/models';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack } from './support/run-stack.ts';

// Bedrock cannot run here: a fake answers the REAL BedrockRuntimeClient at the SDK boundary,
// and the whole run path (worker, meter, sandbox, egress) is real.
async function* streamOf(events: ConverseStreamOutput[]): AsyncGenerator<ConverseStreamOutput> {
  for (const e of events) yield e;
}
const usage = (inputTokens: number, outputTokens: number) => ({
  metadata: { usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }, metrics: { latencyMs: 420 } },
});

const toolTurn: ConverseStreamOutput[] = [
  { messageStart: { role: 'assistant' } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Checking the health endpoint.' } } },
  { contentBlockStop: { contentBlockIndex: 0 } },
  { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_1', name: 'http' } } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"connection":"payments-api",' } } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '"path":"/health"}' } } } },
  { contentBlockStop: { contentBlockIndex: 1 } },
  { messageStop: { stopReason: 'tool_use' } },
  usage(1800, 60),
];
const answerTurn: ConverseStreamOutput[] = [
  { messageStart: { role: 'assistant' } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'The card processor is timing out.' } } },
  { contentBlockStop: { contentBlockIndex: 0 } },
  { messageStop: { stopReason: 'end_turn' } },
  usage(2100, 12),
];

describe('a run on Bedrock (fake at the SDK boundary)', () => {
  it('streams tool use through the sandbox, returns tool results, meters both calls and answers', async () => {
    const client = new BedrockRuntimeClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 });
    const bedrock = mockClient(client);
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({ stream: streamOf(toolTurn) })
      .resolvesOnce({ stream: streamOf(answerTurn) });
    const model = createBedrockProvider({ modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0', region: 'us-east-1', client });
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'why is checkout failing?' });
        expect(await s.waitForStatus(runId, ['succeeded', 'failed'])).toMatchObject({
          status: 'succeeded',
          answer: 'The card processor is timing out.',
          steps: 2,
        });

        const calls = bedrock.commandCalls(ConverseStreamCommand).map((c) => c.args[0].input);
        expect(calls).toHaveLength(2);
        // Only the role's tools are offered, with JSON schemas, and the tool result goes back as a toolResult block.
        expect(calls[0]!.toolConfig!.tools!.map((t) => t.toolSpec?.name).filter(Boolean)).toEqual(['exec', 'read_file', 'http']);
        const lastMessage = calls[1]!.messages!.at(-1)!;
        expect(lastMessage.role).toBe('user');
        expect(lastMessage.content![0]).toMatchObject({ toolResult: { toolUseId: 'tooluse_1', status: 'success' } });
        expect(JSON.stringify(lastMessage.content)).toContain('card-processor');

        const metered = await s.db.owner((sql) =>
          sql.query<{ input_tokens: number; output_tokens: number; cost_usd: string; status: string }>(
            'select input_tokens, output_tokens, cost_usd, status from model_calls order by at',
          ),
        );
        expect(metered.rows.map((r) => [r.input_tokens, r.output_tokens, r.status])).toEqual([
          [1800, 60, 'settled'],
          [2100, 12, 'settled'],
        ]);
        // $3/M input, $15/M output for Claude Sonnet 4.
        expect(Number(metered.rows[0]!.cost_usd)).toBeCloseTo((1800 * 3 + 60 * 15) / 1e6, 6);
      },
      { script: [], model },
    );
  });

  it('ends the run with a clear reason when Bedrock refuses access', async () => {
    const client = new BedrockRuntimeClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 });
    const bedrock = mockClient(client);
    bedrock.on(ConverseStreamCommand).rejects(
      Object.assign(new Error('You don’t have access to the model with the specified model ID.'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const model = createBedrockProvider({ modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0', region: 'us-east-1', client });
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        expect(await s.waitForStatus(runId, ['succeeded', 'failed'])).toMatchObject({ status: 'failed', statusReason: 'model_access_denied' });
        expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1); // not retried
        const events = await (await s.request(`/v1/runs/${runId}/events`, { token: dev })).text();
        expect(events).toContain('enable model access');
      },
      { script: [], model },
    );
  });
});
