import type {
  ContentBlock as BedrockContentBlock,
  ConverseStreamCommandInput,
  Message as BedrockMessage,
  SystemContentBlock,
  Tool,
  ToolResultContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { CachePointSupport } from './bedrock-models.ts';
import type { ContentBlock, ConverseRequest } from './model-provider.ts';

export interface BedrockGuardrail {
  identifier: string;
  version: string;
  trace?: 'enabled' | 'disabled';
}

export interface BedrockRequestSettings {
  modelId: string;
  maxTokens: number;
  temperature?: number;
  cachePoints: CachePointSupport;
  guardrail?: BedrockGuardrail;
}

const cachePoint = { cachePoint: { type: 'default' as const } };

// The SDK's JSON document type; our JSON values are `unknown` because they come from JSON.parse.
type Document = ToolResultContentBlock.JsonMember['json'];

/**
 * Our Converse-shaped request as Bedrock's ConverseStream input. A cachePoint caches everything
 * before it, so one goes after the system prompt and one after the tools: both are the same on
 * every step of a run, while the messages grow.
 */
export function toConverseStreamInput(request: ConverseRequest, settings: BedrockRequestSettings): ConverseStreamCommandInput {
  // Bedrock refuses an empty text block ("minimum length of 1"), so an empty prompt is omitted.
  const system: SystemContentBlock[] = request.system ? [{ text: request.system }, ...(settings.cachePoints.system ? [cachePoint] : [])] : [];
  const tools: Tool[] = request.tools.map((t) => ({
    toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as Document } },
  }));
  return {
    modelId: settings.modelId,
    ...(system.length > 0 && { system }),
    messages: request.messages.map((m): BedrockMessage => ({ role: m.role, content: m.content.map(toBedrockBlock) })),
    // An empty tool list is a ValidationException, so a request without tools has no toolConfig.
    ...(tools.length > 0 && { toolConfig: { tools: settings.cachePoints.tools ? [...tools, cachePoint] : tools } }),
    inferenceConfig: { maxTokens: settings.maxTokens, ...(settings.temperature !== undefined && { temperature: settings.temperature }) },
    ...(settings.guardrail && {
      guardrailConfig: {
        guardrailIdentifier: settings.guardrail.identifier,
        guardrailVersion: settings.guardrail.version,
        trace: settings.guardrail.trace ?? 'disabled',
        // 'async' streams text before the guardrail has scanned it, so text it then blocks
        // would already be in the transcript; 'sync' scans each chunk before it is sent.
        streamProcessingMode: 'sync',
      },
    }),
  };
}

function toBedrockBlock(block: ContentBlock): BedrockContentBlock {
  if ('text' in block) return { text: block.text };
  if ('toolUse' in block) {
    const { toolUseId, name, input } = block.toolUse;
    return { toolUse: { toolUseId, name, input: input as Document } };
  }
  const { toolUseId, content, status } = block.toolResult;
  const parts = content.map((c): ToolResultContentBlock => ('text' in c ? { text: c.text } : { json: c.json as Document }));
  return { toolResult: { toolUseId, content: parts, status } };
}
