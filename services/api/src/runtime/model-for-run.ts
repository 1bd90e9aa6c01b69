import type { ConfigEnv } from '@remit/core';
import type { RunRecord } from '@remit/db';
import { createBedrockProvider, createOpenAICompatibleProvider, createScriptedProvider, DEFAULT_BEDROCK_MODEL_ID, type ModelProvider } from '@remit/models';
import { troubleshootScript } from '../demo/troubleshoot-script.ts';

/**
 * The model runs talk to, from configuration: Bedrock (ConverseStream) in production, an
 * OpenAI-compatible server for self-hosted inference, or the scripted demo model, which labels
 * itself as not a real model in every transcript.
 */
export function modelForRun(config: ConfigEnv): (run: RunRecord) => ModelProvider {
  const model = createModel(config);
  return () => model;
}

function createModel(config: ConfigEnv): ModelProvider {
  switch (config.REMIT_MODEL_PROVIDER) {
    case 'bedrock':
      return createBedrockProvider({
        modelId: config.REMIT_BEDROCK_MODEL_ID ?? DEFAULT_BEDROCK_MODEL_ID,
        region: (config.REMIT_BEDROCK_REGION ?? config.AWS_REGION)!,
        maxTokens: config.REMIT_MODEL_MAX_TOKENS,
        ...(config.REMIT_BEDROCK_GUARDRAIL_ID
          ? { guardrail: { identifier: config.REMIT_BEDROCK_GUARDRAIL_ID, version: config.REMIT_BEDROCK_GUARDRAIL_VERSION! } }
          : {}),
      });
    case 'openai-compatible':
      return createOpenAICompatibleProvider({
        baseUrl: config.REMIT_OPENAI_BASE_URL!,
        model: config.REMIT_OPENAI_MODEL!,
        ...(config.REMIT_OPENAI_API_KEY ? { apiKey: config.REMIT_OPENAI_API_KEY } : {}),
        allowCidrs: config.REMIT_OPENAI_ALLOW_CIDRS,
        maxTokens: config.REMIT_MODEL_MAX_TOKENS,
        contextWindowTokens: config.REMIT_MODEL_CONTEXT_WINDOW,
      });
    case 'scripted':
      return createScriptedProvider(troubleshootScript, { name: 'demo troubleshooting script' });
  }
}
