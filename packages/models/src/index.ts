export type { ContentBlock, ConverseRequest, Message, ModelProvider, StopReason, ToolSpec, Usage } from './model-provider.ts';
export { createScriptedProvider } from './scripted-provider.ts';
export type { ScriptedTurn } from './scripted-provider.ts';
export { createBedrockProvider } from './bedrock-provider.ts';
export { DEFAULT_BEDROCK_MODEL_ID } from './bedrock-models.ts';
export { resolveBedrockAccess, type BedrockAccess } from './bedrock-preflight.ts';
export { createOpenAICompatibleProvider } from './openai-compatible-provider.ts';
