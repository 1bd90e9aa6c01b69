import type { StopReason as BedrockStopReason, ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { incompleteStream, toModelError, type BedrockCallContext } from './bedrock-errors.ts';
import type { ModelStreamEvent, StopReason } from './model-provider.ts';

/**
 * Every stop reason the SDK knows, spelled out so that an SDK upgrade adding one fails the
 * type-check here until it is mapped. Ours mirror Bedrock's one to one.
 */
const stopReasons: Record<BedrockStopReason, StopReason> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  guardrail_intervened: 'guardrail_intervened',
  content_filtered: 'content_filtered',
  malformed_model_output: 'malformed_model_output',
  malformed_tool_use: 'malformed_tool_use',
  model_context_window_exceeded: 'model_context_window_exceeded',
};

/**
 * A stop reason newer than this SDK (or none at all) becomes `malformed_model_output`: we
 * cannot tell whether the turn is complete, so the run ends as failed, rather than taking a
 * possibly partial text as the answer (`end_turn`) or running tools the model may not have
 * meant to call (`tool_use`).
 */
export function toStopReason(reason: string | undefined): StopReason {
  return reason !== undefined && Object.hasOwn(stopReasons, reason) ? stopReasons[reason as BedrockStopReason] : 'malformed_model_output';
}

// The exception members of the stream union. The SDK throws an exception event while
// deserializing it, but the union type allows it as a value too, so both are handled.
const exceptionEvents = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

interface PendingToolUse {
  toolUseId: string | undefined;
  name: string | undefined;
  /** Input JSON as it arrives, in fragments that are only valid once joined. */
  fragments: string[];
}

/**
 * Bedrock's ConverseStream events as ours: text deltas as they come, each tool call once its
 * block stops (its input is a JSON string streamed in fragments), then stop and metadata.
 * A tool call whose input is not a JSON object is dropped and the stop reason becomes
 * `malformed_tool_use`, so the loop never runs a tool on a guessed input.
 * Reasoning and citation deltas are dropped: this provider asks for neither.
 */
export async function* readConverseStream(
  stream: AsyncIterable<ConverseStreamOutput>,
  context: BedrockCallContext,
  /** `performance.now()` when the call was sent: the latency when Bedrock reports none. */
  sentAt: number,
): AsyncGenerator<ModelStreamEvent> {
  const pending = new Map<number, PendingToolUse>();
  let malformedToolUse = false;
  let stopped = false;
  for await (const event of stream) {
    for (const key of exceptionEvents) {
      const exception = event[key];
      if (exception) throw toModelError(exception, context, key.charAt(0).toUpperCase() + key.slice(1));
    }
    if (event.contentBlockStart) {
      const { start, contentBlockIndex = 0 } = event.contentBlockStart;
      if (start?.toolUse) pending.set(contentBlockIndex, { toolUseId: start.toolUse.toolUseId, name: start.toolUse.name, fragments: [] });
    } else if (event.contentBlockDelta) {
      const { delta, contentBlockIndex = 0 } = event.contentBlockDelta;
      if (delta?.text) yield { type: 'text_delta', text: delta.text };
      else if (delta?.toolUse) {
        // A fragment without its start still counts, so the call is reported as malformed.
        const call = pending.get(contentBlockIndex) ?? { toolUseId: undefined, name: undefined, fragments: [] };
        call.fragments.push(delta.toolUse.input ?? '');
        pending.set(contentBlockIndex, call);
      }
    } else if (event.contentBlockStop) {
      const index = event.contentBlockStop.contentBlockIndex ?? 0;
      const call = pending.get(index);
      if (!call) continue;
      pending.delete(index);
      const toolUse = completeToolUse(call);
      if (toolUse) yield toolUse;
      else malformedToolUse = true;
    } else if (event.messageStop) {
      stopped = true;
      // A tool block still open here never got its whole input.
      if (pending.size > 0) malformedToolUse = true;
      yield { type: 'stop', reason: malformedToolUse ? 'malformed_tool_use' : toStopReason(event.messageStop.stopReason) };
    } else if (event.metadata) {
      const { usage, metrics } = event.metadata;
      yield {
        type: 'metadata',
        usage: {
          inputTokens: usage?.inputTokens ?? 0,
          outputTokens: usage?.outputTokens ?? 0,
          ...(usage?.cacheReadInputTokens !== undefined && { cacheReadInputTokens: usage.cacheReadInputTokens }),
          ...(usage?.cacheWriteInputTokens !== undefined && { cacheWriteInputTokens: usage.cacheWriteInputTokens }),
        },
        latencyMs: metrics?.latencyMs ?? performance.now() - sentAt,
      };
    }
  }
  if (!stopped) throw incompleteStream(context);
}

function completeToolUse(call: PendingToolUse): Extract<ModelStreamEvent, { type: 'tool_use' }> | undefined {
  if (!call.toolUseId || !call.name) return undefined;
  const json = call.fragments.join('');
  let input: unknown;
  try {
    // A tool without parameters may stream no input at all.
    input = json.trim() === '' ? {} : JSON.parse(json);
  } catch {
    return undefined; // the caller ends the turn as malformed_tool_use
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  return { type: 'tool_use', toolUseId: call.toolUseId, name: call.name, input: input as Record<string, unknown> };
}
