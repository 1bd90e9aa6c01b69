/**
 * Claude Sonnet 4.5 through the US cross-region inference profile. Anthropic's current models
 * on Bedrock answer only through an inference profile ("on-demand throughput isn't supported"
 * for the bare model id), and the profile also spreads load over several US regions.
 */
export const DEFAULT_BEDROCK_MODEL_ID = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** Where a model accepts a `cachePoint` block in a Converse request. */
export interface CachePointSupport {
  system: boolean;
  tools: boolean;
}

interface BedrockModelTraits {
  /** Where the model accepts a cachePoint. */
  cachePoints: CachePointSupport;
  /** Input tokens one request may hold. */
  contextWindowTokens: number;
}

const claude: BedrockModelTraits = { cachePoints: { system: true, tools: true }, contextWindowTokens: 200_000 };
const nova = (contextWindowTokens: number): BedrockModelTraits => ({ cachePoints: { system: true, tools: false }, contextWindowTokens });

/**
 * What Remit knows of a model, by base model id prefix, first match wins. Cache support is the
 * Bedrock user guide's prompt caching table: Claude caches system, messages and tools; Amazon
 * Nova caches system and messages but refuses a cachePoint in toolConfig, and a cachePoint a
 * model does not support is a ValidationException. Claude's 1M-token window is a beta this
 * provider does not ask for, so 200k.
 */
const BEDROCK_MODEL_TRAITS: readonly { prefix: string; traits: BedrockModelTraits }[] = [
  { prefix: 'anthropic.claude-3-5-haiku', traits: claude },
  { prefix: 'anthropic.claude-3-7-sonnet', traits: claude },
  { prefix: 'anthropic.claude-sonnet-4', traits: claude },
  { prefix: 'anthropic.claude-opus-4', traits: claude },
  { prefix: 'anthropic.claude-haiku-4', traits: claude },
  // Older Claude 3 models predate prompt caching on Bedrock.
  { prefix: 'anthropic.claude-3', traits: { cachePoints: { system: false, tools: false }, contextWindowTokens: 200_000 } },
  { prefix: 'amazon.nova-micro', traits: nova(128_000) },
  { prefix: 'amazon.nova-lite', traits: nova(300_000) },
  { prefix: 'amazon.nova-pro', traits: nova(300_000) },
  { prefix: 'amazon.nova-premier', traits: nova(1_000_000) },
];

// For a model not in the table: small, so tool results are cut rather than overflow the window.
const UNKNOWN_CONTEXT_WINDOW_TOKENS = 32_000;

// Geography prefixes of system-defined cross-region inference profiles (`us.anthropic.…`).
const PROFILE_GEOGRAPHY = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\./;

/**
 * The base model id inside a model id, an inference profile id or an ARN of either
 * (`arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-…`).
 * An application inference profile ARN ends in an opaque id and names no model.
 */
function baseModelId(modelId: string): string {
  const last = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return last.replace(PROFILE_GEOGRAPHY, '');
}

function traitsOf(modelId: string): BedrockModelTraits | undefined {
  const base = baseModelId(modelId);
  return BEDROCK_MODEL_TRAITS.find((m) => base.startsWith(m.prefix))?.traits;
}

/**
 * Where a request to `modelId` gets a cachePoint. `promptCaching` false: nowhere. Otherwise what
 * the table says for a known model; a model it does not know gets none, or both when the caller
 * turned caching on (an application inference profile's ARN names no model, so only they know).
 */
export function cachePointsFor(modelId: string, promptCaching?: boolean): CachePointSupport {
  if (promptCaching === false) return { system: false, tools: false };
  return traitsOf(modelId)?.cachePoints ?? { system: promptCaching === true, tools: promptCaching === true };
}

/** The model's context window from the table; 32k for a model it does not know. */
export function contextWindowFor(modelId: string): number {
  return traitsOf(modelId)?.contextWindowTokens ?? UNKNOWN_CONTEXT_WINDOW_TOKENS;
}
