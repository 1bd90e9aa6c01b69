import { z } from 'zod';

const Bucket = z.object({ capacity: z.int().min(1).max(100_000), refillPerSecond: z.number().positive().max(10_000) }).strict();

/** Burst limits per org, role and user, for starting runs and for model calls. */
export const RateLimits = z
  .object({
    runs: z.object({ org: Bucket, role: Bucket, user: Bucket }).strict(),
    modelCalls: z.object({ org: Bucket, role: Bucket, user: Bucket }).strict(),
  })
  .strict();
export type RateLimits = z.infer<typeof RateLimits>;

// Generous enough for a team at work, tight enough that a runaway script or loop is stopped.
export const defaultRateLimits: RateLimits = {
  runs: { org: { capacity: 100, refillPerSecond: 2 }, role: { capacity: 50, refillPerSecond: 1 }, user: { capacity: 10, refillPerSecond: 0.2 } },
  modelCalls: { org: { capacity: 300, refillPerSecond: 10 }, role: { capacity: 150, refillPerSecond: 5 }, user: { capacity: 60, refillPerSecond: 2 } },
};

/**
 * Abuse limits of the HTTP surface, kept in each API process's memory: they guard that
 * process, cost no database round trip, and a replica that restarts starts them afresh.
 */
export const HttpLimits = z
  .object({
    /** Open transcript streams (SSE) one user may hold at once. */
    streamsPerUser: z.int().min(1).max(1000),
    /** Open transcript streams across all users. */
    streamsTotal: z.int().min(1).max(100_000),
    /** Refused bearer tokens per client address; past it, tokens from there are not even verified. */
    invalidTokensPerSource: Bucket,
    /** Repeated identical refusals (same source, reason and route) become one audit entry per window. */
    refusalAuditWindowSeconds: z.int().min(1).max(3600),
  })
  .strict();
export type HttpLimits = z.infer<typeof HttpLimits>;

// Each open stream polls the database every 200 ms (routes/run-events.ts); 8 covers a user
// watching a few runs in a few tabs. Measured over HTTP on PGlite, /v1/me answered in 4.9 ms
// (median) with no stream open, 6.8 ms (p95 55 ms) with 128, and 1.2 s (p95 2.6 s) with 400;
// PostgreSQL with a pool of 10 held 26 ms at 400. 128 in total keeps PGlite, the default, fast.
// 20 refused tokens, then one every 6 s, is far above what a person mistyping produces.
export const defaultHttpLimits: HttpLimits = {
  streamsPerUser: 8,
  streamsTotal: 128,
  invalidTokensPerSource: { capacity: 20, refillPerSecond: 1 / 6 },
  refusalAuditWindowSeconds: 60,
};

/** USD per million tokens. */
const ModelPrice = z
  .object({
    inputPerMTok: z.number().min(0),
    outputPerMTok: z.number().min(0),
    cacheReadPerMTok: z.number().min(0).optional(),
    cacheWritePerMTok: z.number().min(0).optional(),
  })
  .strict();
type ModelPrice = z.infer<typeof ModelPrice>;

/** Prices keyed by model id prefix; the longest matching prefix wins. */
export const ModelPrices = z.record(z.string().min(1), ModelPrice);
export type ModelPrices = z.infer<typeof ModelPrices>;

// Bedrock on-demand list prices (USD / 1M tokens) for the models Remit is tuned for; an admin
// overrides or extends them with REMIT_MODEL_PRICES. Cross-region profile ids (us., eu., apac.)
// are matched after stripping that prefix.
export const defaultModelPrices: ModelPrices = {
  'anthropic.claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75, cacheReadPerMTok: 1.5, cacheWritePerMTok: 18.75 },
  'anthropic.claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
  'anthropic.claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
  'anthropic.claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4, cacheReadPerMTok: 0.08, cacheWritePerMTok: 1 },
  'amazon.nova-pro': { inputPerMTok: 0.8, outputPerMTok: 3.2 },
  'amazon.nova-lite': { inputPerMTok: 0.06, outputPerMTok: 0.24 },
  'scripted:': { inputPerMTok: 0, outputPerMTok: 0 },
};

/** The price for a model id, or undefined when none is configured (the meter then refuses to guess). */
export function priceFor(prices: ModelPrices, modelId: string): ModelPrice | undefined {
  const bare = modelId.replace(/^(us|eu|apac|us-gov|global)\./, '');
  const match = Object.keys(prices)
    .filter((prefix) => bare.startsWith(prefix) || modelId.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return match === undefined ? undefined : prices[match];
}

export function costUsd(price: ModelPrice, usage: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number }): number {
  const perToken = (perM: number | undefined, n: number | undefined) => ((perM ?? 0) * (n ?? 0)) / 1_000_000;
  return (
    perToken(price.inputPerMTok, usage.inputTokens) +
    perToken(price.outputPerMTok, usage.outputTokens) +
    perToken(price.cacheReadPerMTok ?? price.inputPerMTok, usage.cacheReadTokens) +
    perToken(price.cacheWritePerMTok ?? price.inputPerMTok, usage.cacheWriteTokens)
  );
}
