export type { ContentBlock, ConverseRequest, Message, ModelProvider, ModelStreamEvent, StopReason, ToolSpec, Usage } from './model-provider.ts';
export { createScriptedProvider } from './scripted-provider.ts';
export type { ScriptedTurn } from './scripted-provider.ts';
