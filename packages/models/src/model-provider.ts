/**
 * The model boundary, shaped after Bedrock's Converse API (messages of content blocks, tool
 * specs with JSON Schema, tool results with a status, stop reasons, usage), so the Bedrock
 * provider maps onto it without loss and other providers translate into it.
 */

export type ContentBlock =
  | { text: string }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: ({ text: string } | { json: unknown })[]; status: 'success' | 'error' } };

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input. */
  inputSchema: Record<string, unknown>;
}

/** Bedrock's stop reasons; providers map theirs onto these. */
export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export type ModelStreamEvent =
  | { type: 'text_delta'; text: string }
  | { type: 'tool_use'; toolUseId: string; name: string; input: Record<string, unknown> }
  | { type: 'stop'; reason: StopReason }
  | { type: 'metadata'; usage: Usage; latencyMs: number };

export interface ConverseRequest {
  system: string;
  messages: readonly Message[];
  tools: readonly ToolSpec[];
  signal?: AbortSignal;
}

export interface ModelProvider {
  /** What the transcript shows as the model, e.g. "bedrock:anthropic.claude-…" or "scripted (demo)". */
  readonly label: string;
  readonly provider: 'scripted' | 'bedrock' | 'openai-compatible';
  readonly modelId: string;
  /** Tokens the model can hold in one request; tool results are capped from it. */
  readonly contextWindowTokens: number;
  converse(request: ConverseRequest): AsyncIterable<ModelStreamEvent>;
}
