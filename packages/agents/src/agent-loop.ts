import { scrubDeep, type RunEventData, type RunEventType } from '@remit/core';
import type { ToolCallResult } from '@remit/sandbox';
import type { ContentBlock, Message, ModelProvider, StopReason, ToolSpec, Usage } from '@remit/models';
import type { CatalogTool, ToolCatalog } from './tool-catalog.ts';
import { capToolOutput } from './tool-output.ts';

interface ToolExecutor {
  call(tool: CatalogTool, input: Record<string, unknown>, signal: AbortSignal): Promise<ToolCallResult>;
}

/** The run events the loop itself writes. */
type LoopEventType = Extract<RunEventType, 'model_turn' | 'tool_call' | 'tool_result' | 'tool_denied'>;

/** Where the loop reports each step; the worker persists these as run events. */
interface LoopSink {
  event<T extends LoopEventType>(type: T, data: RunEventData<T>): Promise<void>;
  /** Called before each model call with what will be sent; throws to stop the run (a budget refusal). */
  beforeModelCall?(request: { system: string; messages: readonly Message[]; tools: readonly ToolSpec[] }, signal: AbortSignal): Promise<void>;
  usage?(usage: Usage, latencyMs: number): Promise<void>;
}

export type AbortCause = 'cancelled' | 'timed_out' | 'lease_lost';

/** How a run that was stopped ends: the one mapping from an abort's cause to a run outcome. */
export function outcomeOfAbort(cause: AbortCause, steps: number): LoopOutcome {
  if (cause === 'timed_out') return { status: 'timed_out', reason: 'max_duration_exceeded', answer: null, steps };
  if (cause === 'cancelled') return { status: 'cancelled', reason: 'cancelled_by_user', answer: null, steps };
  return { status: 'failed', reason: 'lease_lost', answer: null, steps };
}

export interface LoopOutcome {
  status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
  reason: string | null;
  answer: string | null;
  steps: number;
}

export interface LoopOptions {
  model: ModelProvider;
  system: string;
  input: string;
  catalog: ToolCatalog;
  executor: ToolExecutor;
  sink: LoopSink;
  maxSteps: number;
  /** Aborted with an AbortCause as its reason. */
  signal: AbortSignal;
  /** Secret values to remove from anything shown to the model. */
  scrub: (text: string) => string;
  maxToolResultChars?: number;
}

// Stop reasons that end a run without an answer, and how the run's reason reads.
const failedStops: Partial<Record<StopReason, string>> = {
  max_tokens: 'model_max_tokens',
  guardrail_intervened: 'model_guardrail_intervened',
  content_filtered: 'model_content_filtered',
  malformed_model_output: 'model_malformed_output',
  malformed_tool_use: 'model_malformed_tool_use',
  model_context_window_exceeded: 'model_context_window_exceeded',
};

/**
 * The agent loop: ask the model, run the tools it calls inside the sandbox, feed the results
 * back, until the model ends its turn or a limit stops it. Tool failures are returned to the
 * model as tool errors; they never end the run by themselves.
 */
export async function runAgentLoop(o: LoopOptions): Promise<LoopOutcome> {
  const messages: Message[] = [{ role: 'user', content: [{ text: o.input }] }];
  let steps = 0;
  const aborted = (): LoopOutcome | undefined => (o.signal.aborted ? outcomeOfAbort(o.signal.reason as AbortCause, steps) : undefined);
  try {
    while (steps < o.maxSteps) {
      const stop = aborted();
      if (stop) return stop;
      await o.sink.beforeModelCall?.({ system: o.system, messages, tools: o.catalog.specs }, o.signal);
      steps += 1;
      const turn = await callModel(o, messages);
      await o.sink.event('model_turn', {
        step: steps,
        model: o.model.label,
        text: o.scrub(turn.text),
        toolCalls: turn.toolUses.map((t) => ({ id: t.toolUseId, name: t.name, input: scrubDeep(t.input, o.scrub) })),
        stopReason: turn.stopReason,
        usage: turn.usage,
      });
      messages.push({ role: 'assistant', content: turn.content });
      if (turn.stopReason === 'tool_use' && turn.toolUses.length > 0) {
        const results: ContentBlock[] = [];
        for (const call of turn.toolUses) {
          const stopNow = aborted();
          if (stopNow) return stopNow;
          results.push(await runTool(o, call));
        }
        messages.push({ role: 'user', content: results });
        continue;
      }
      const failed = failedStops[turn.stopReason];
      if (failed) return { status: 'failed', reason: failed, answer: o.scrub(turn.text) || null, steps };
      return { status: 'succeeded', reason: null, answer: o.scrub(turn.text), steps };
    }
    return aborted() ?? { status: 'failed', reason: 'max_steps_exceeded', answer: null, steps };
  } catch (err) {
    const stop = aborted();
    if (stop) return stop;
    throw err;
  }
}

interface ModelTurn {
  text: string;
  toolUses: { toolUseId: string; name: string; input: Record<string, unknown> }[];
  stopReason: StopReason;
  usage: Usage | null;
  content: ContentBlock[];
}

async function callModel(o: LoopOptions, messages: Message[]): Promise<ModelTurn> {
  let text = '';
  const toolUses: ModelTurn['toolUses'] = [];
  let stopReason: StopReason = 'end_turn';
  let usage: Usage | null = null;
  for await (const event of o.model.converse({ system: o.system, messages, tools: o.catalog.specs, signal: o.signal })) {
    if (event.type === 'text_delta') text += event.text;
    else if (event.type === 'tool_use') toolUses.push({ toolUseId: event.toolUseId, name: event.name, input: event.input });
    else if (event.type === 'stop') stopReason = event.reason;
    else if (event.type === 'metadata') {
      usage = event.usage;
      await o.sink.usage?.(event.usage, event.latencyMs);
    }
  }
  const content: ContentBlock[] = [...(text ? [{ text }] : []), ...toolUses.map((t) => ({ toolUse: t }))];
  return { text, toolUses, stopReason, usage, content };
}

async function runTool(o: LoopOptions, call: ModelTurn['toolUses'][number]): Promise<ContentBlock> {
  const errorResult = (message: string): ContentBlock => ({ toolResult: { toolUseId: call.toolUseId, content: [{ text: message }], status: 'error' } });
  const tool = call.name as CatalogTool;
  if (!o.catalog.offered.has(tool)) {
    await o.sink.event('tool_denied', { id: call.toolUseId, name: call.name, reason: 'tool_not_offered' });
    return errorResult(`Tool "${call.name}" is not available to this run.`);
  }
  const allowed = o.catalog.connectionsFor[tool];
  const connection = typeof call.input.connection === 'string' ? call.input.connection : undefined;
  if (allowed && (!connection || !allowed.has(connection))) {
    await o.sink.event('tool_denied', { id: call.toolUseId, name: tool, connection: connection ?? null, reason: 'connection_not_in_role' });
    return errorResult(`Connection "${connection ?? ''}" is not available to this run's role. Available: ${[...allowed].join(', ')}.`);
  }
  await o.sink.event('tool_call', { id: call.toolUseId, name: tool, input: scrubDeep(call.input, o.scrub) });
  const result = await o.executor.call(tool, call.input, o.signal);
  const shown = capToolOutput(result, { maxChars: o.maxToolResultChars ?? 60_000, scrub: o.scrub });
  await o.sink.event('tool_result', { id: call.toolUseId, name: tool, ok: result.ok, ...shown.event });
  return { toolResult: { toolUseId: call.toolUseId, content: [{ text: shown.text }], status: result.ok ? 'success' : 'error' } };
}
