import type { ContentBlock, ConverseRequest, StopReason } from './model-provider.ts';

/** A chat-completions message, as OpenAI documents it and vLLM, llama.cpp and Ollama accept it. */
type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  tools?: { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
  max_tokens: number;
  temperature?: number;
  stream: true;
  stream_options: { include_usage: true };
}

/** Builds the POST body for /chat/completions from our Converse-shaped request. */
export function toChatRequest(request: ConverseRequest, settings: { model: string; maxTokens: number; temperature?: number }): ChatRequestBody {
  const messages: ChatMessage[] = request.system ? [{ role: 'system', content: request.system }] : [];
  for (const message of request.messages) messages.push(...toChatMessages(message.role, message.content));
  return {
    model: settings.model,
    messages,
    // An empty tools array is refused by some servers (OpenAI: "[] is too short"), so omit it.
    ...(request.tools.length > 0 && {
      tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.inputSchema } })),
    }),
    max_tokens: settings.maxTokens,
    ...(settings.temperature !== undefined && { temperature: settings.temperature }),
    stream: true,
    // Without this OpenAI and vLLM send no usage at all when streaming.
    stream_options: { include_usage: true },
  };
}

/**
 * One of our messages becomes: a `tool` message per tool result (first, since they must follow
 * the assistant message that called them), then the text and tool calls under the message's role.
 * Text blocks are joined into one string: older vLLM and llama.cpp builds accept only string content.
 */
function toChatMessages(role: 'user' | 'assistant', blocks: readonly ContentBlock[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
  for (const block of blocks) {
    if ('text' in block) texts.push(block.text);
    else if ('toolUse' in block) {
      const { toolUseId, name, input } = block.toolUse;
      calls.push({ id: toolUseId, type: 'function', function: { name, arguments: JSON.stringify(input) } });
    } else {
      const { toolUseId, content, status } = block.toolResult;
      const text = content.map((c) => ('text' in c ? c.text : JSON.stringify(c.json))).join('\n');
      // The format has no error flag on a tool message, so the status travels in the text.
      out.push({ role: 'tool', tool_call_id: toolUseId, content: status === 'error' ? `Error: ${text}` : text });
    }
  }
  const text = texts.join('\n');
  if (role === 'assistant' && (text || calls.length > 0)) {
    // OpenAI: content "is required unless tool_calls is specified", where null stands for none.
    out.push({ role: 'assistant', content: text || null, ...(calls.length > 0 && { tool_calls: calls }) });
  } else if (role === 'user' && text) out.push({ role: 'user', content: text });
  return out;
}

/**
 * finish_reason → our stop reason. Unlisted values (vLLM's "abort", a server's own words) become
 * malformed_model_output: the run fails visibly rather than passing a cut-off turn as an answer.
 */
const finishReasons: Record<string, StopReason> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  // The pre-2023 name, still sent by some servers that imitate the older API.
  function_call: 'tool_use',
  length: 'max_tokens',
  content_filter: 'content_filtered',
  // Hugging Face TGI's own names.
  eos_token: 'end_turn',
  stop_sequence: 'stop_sequence',
};

/**
 * The stop reason for a finished turn. A missing finish_reason (some llama.cpp builds end with
 * [DONE] alone) counts as a normal stop; a turn that called tools is `tool_use` even when the
 * server said "stop", as some Ollama releases do, or the agent loop would never run the calls.
 */
export function toStopReason(finishReason: string | null, calledTools: boolean): StopReason {
  const reason = finishReason === null ? 'end_turn' : Object.hasOwn(finishReasons, finishReason) ? finishReasons[finishReason]! : 'malformed_model_output';
  return calledTools && reason === 'end_turn' ? 'tool_use' : reason;
}
