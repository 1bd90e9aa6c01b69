import type { ConverseRequest, ModelProvider, ModelStreamEvent, StopReason } from './model-provider.ts';

/** One model turn of a script: some text, then zero or more tool calls. */
export interface ScriptedTurn {
  text?: string;
  toolCalls?: { name: string; input: Record<string, unknown> }[];
  /** Defaults to tool_use when the turn calls tools, end_turn otherwise. */
  stop?: StopReason;
}

/**
 * A deterministic provider that replays a script turn by turn, whatever the conversation says.
 * It is a stand-in for a real model in tests and the offline demo, and always says so in its
 * label. Turn N is chosen by counting the assistant turns already in the conversation, so a
 * run resumed on another worker continues where it stopped.
 */
export function createScriptedProvider(script: readonly ScriptedTurn[], options: { name?: string } = {}): ModelProvider {
  const name = options.name ?? 'script';
  return {
    label: `scripted (${name}; not a real model)`,
    provider: 'scripted',
    modelId: `scripted:${name}`,
    contextWindowTokens: 200_000,
    async *converse(request: ConverseRequest): AsyncIterable<ModelStreamEvent> {
      const started = performance.now();
      const index = request.messages.filter((m) => m.role === 'assistant').length;
      const turn = script[index] ?? { text: 'The script has no more turns.', stop: 'end_turn' as const };
      request.signal?.throwIfAborted();
      if (turn.text) {
        // Stream in word-sized pieces, the way a real model's deltas arrive.
        for (const piece of turn.text.match(/\S+\s*/g) ?? []) yield { type: 'text_delta', text: piece };
      }
      for (const [i, call] of (turn.toolCalls ?? []).entries()) {
        yield { type: 'tool_use', toolUseId: `${name}-${index}-${i}`, name: call.name, input: call.input };
      }
      yield { type: 'stop', reason: turn.stop ?? (turn.toolCalls?.length ? 'tool_use' : 'end_turn') };
      const inputTokens = Math.ceil(JSON.stringify(request.messages).length / 4);
      const outputTokens = Math.ceil(JSON.stringify(turn).length / 4);
      yield { type: 'metadata', usage: { inputTokens, outputTokens }, latencyMs: performance.now() - started };
    },
  };
}
