import type { ModelStreamEvent, Usage } from './model-provider.ts';
import { toStopReason } from './openai-mapping.ts';

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

interface TurnAssembler {
  /** Takes one parsed stream chunk and returns the text it adds, as text_delta events. */
  accept(chunk: Record<string, unknown>): ModelStreamEvent[];
  /** Ends the turn: the tool_use events, then the stop event; and the usage last reported (zeros if none). */
  finish(): { events: ModelStreamEvent[]; usage: Usage };
  /** Whether any chunk carried a finish_reason, i.e. the model finished rather than the stream being cut. */
  readonly finished: boolean;
}

/**
 * Folds chat-completion chunks into one model turn. Tool calls arrive as fragments keyed by
 * `index`: the first carries id and name, the rest pieces of the JSON arguments, which are only
 * parsed once the turn ends. `turn` (the assistant turns before this one) makes the ids generated
 * for servers that send none stable, so a resumed run names the same calls the same way.
 */
export function createTurnAssembler(turn: number): TurnAssembler {
  const calls = new Map<number, PendingCall>();
  let finishReason: string | null = null;
  let finished = false;
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };

  const slotFor = (fragment: Record<string, unknown>): PendingCall => {
    const id = typeof fragment.id === 'string' && fragment.id !== '' ? fragment.id : undefined;
    let key: number;
    if (typeof fragment.index === 'number') key = fragment.index;
    else {
      // Servers that send whole calls without an index (older Ollama): a new id is a new call.
      const keys = [...calls.keys()];
      const known = id === undefined ? undefined : keys.find((k) => calls.get(k)!.id === id);
      const last = keys.length > 0 ? Math.max(...keys) : -1;
      key = known ?? (id !== undefined || last === -1 ? last + 1 : last);
    }
    let slot = calls.get(key);
    if (!slot) calls.set(key, (slot = { id: '', name: '', arguments: '' }));
    if (id !== undefined && slot.id === '') slot.id = id;
    return slot;
  };

  return {
    get finished() {
      return finished;
    },
    accept(chunk) {
      const reported = record(chunk.usage);
      if (reported) usage = toUsage(reported);
      const choice = Array.isArray(chunk.choices) ? record(chunk.choices[0]) : undefined;
      if (!choice) return [];
      // Checked on every chunk: vLLM and llama.cpp put finish_reason on the last content chunk.
      if (typeof choice.finish_reason === 'string') {
        finishReason = choice.finish_reason;
        finished = true;
      }
      const delta = record(choice.delta) ?? {};
      for (const raw of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        const fragment = record(raw);
        if (!fragment) continue;
        const slot = slotFor(fragment);
        const fn = record(fragment.function) ?? {};
        // Some servers repeat the whole name on every fragment; OpenAI sends it once.
        if (typeof fn.name === 'string' && fn.name !== slot.name) slot.name += fn.name;
        if (typeof fn.arguments === 'string') slot.arguments += fn.arguments;
        else if (record(fn.arguments)) slot.arguments = JSON.stringify(fn.arguments);
      }
      return typeof delta.content === 'string' && delta.content !== '' ? [{ type: 'text_delta', text: delta.content }] : [];
    },
    finish() {
      const ordered = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
      const reason = toStopReason(finishReason, ordered.length > 0);
      // Calls cut off by max_tokens or a filter are not run, and their half-written JSON is no error.
      if (reason !== 'tool_use') return { events: [{ type: 'stop', reason }], usage };
      const uses: ModelStreamEvent[] = [];
      for (const [position, call] of ordered.entries()) {
        const input = parseArguments(call.arguments);
        if (!input || call.name === '') return { events: [{ type: 'stop', reason: 'malformed_tool_use' }], usage };
        uses.push({ type: 'tool_use', toolUseId: call.id || `call_t${turn}_${position}`, name: call.name, input });
      }
      return { events: [...uses, { type: 'stop', reason }], usage };
    },
  };
}

/** Arguments must be a JSON object; an empty string is a call without arguments (llama.cpp sends ""). */
function parseArguments(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined; // the caller ends the turn as malformed_tool_use
  }
}

/**
 * OpenAI counts cached tokens inside prompt_tokens; our Usage follows Bedrock, whose inputTokens
 * leaves cache reads out, so they are moved across rather than counted twice.
 */
function toUsage(reported: Record<string, unknown>): Usage {
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
  const cached = count(record(reported.prompt_tokens_details)?.cached_tokens);
  const usage: Usage = { inputTokens: Math.max(0, count(reported.prompt_tokens) - cached), outputTokens: count(reported.completion_tokens) };
  return cached > 0 ? { ...usage, cacheReadInputTokens: cached } : usage;
}

export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
