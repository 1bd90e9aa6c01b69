import type { ConfigEnv, RunKind } from '@remit/core';
import type { RunRecord } from '@remit/db';
import {
  createBedrockProvider,
  createOpenAICompatibleProvider,
  createScriptedProvider,
  DEFAULT_BEDROCK_MODEL_ID,
  type ModelProvider,
  type ScriptedTurn,
} from '@remit/models';

/**
 * The model runs talk to, from configuration: Bedrock (ConverseStream) in production, an
 * OpenAI-compatible server for self-hosted inference, or the scripted demo model, which labels
 * itself as not a real model in every transcript. The model is chosen here, beside the run
 * kinds; the process wiring only hands over the configuration (and, for the offline demo, the
 * script the scripted model replays).
 */
export function modelForRun(config: ConfigEnv, demoScripts: DemoScripts): (run: RunRecord) => ModelProvider {
  if (config.REMIT_MODEL_PROVIDER === 'scripted') {
    // One script per run kind; a kind without one gets a script that says so.
    const models = new Map<RunKind, ModelProvider>();
    return (run) => {
      let model = models.get(run.kind);
      if (!model) models.set(run.kind, (model = createScriptedProvider(demoScripts[run.kind] ?? [], { name: `demo ${run.kind} script` })));
      return model;
    };
  }
  const model = createModel(config, config.REMIT_MODEL_PROVIDER);
  return () => model;
}

/** What the scripted demo model replays, per run kind. */
export type DemoScripts = Partial<Record<RunKind, readonly ScriptedTurn[]>>;

/** The live model `provider` names, from configuration; `remit eval run --provider` runs its scenarios against it. */
export function createModel(config: ConfigEnv, provider: 'bedrock' | 'openai-compatible'): ModelProvider {
  switch (provider) {
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
  }
}
