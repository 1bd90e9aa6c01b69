import { setTimeout as delay } from 'node:timers/promises';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { toModelError, type BedrockCallContext } from './bedrock-errors.ts';
import { cachePointsFor, contextWindowFor } from './bedrock-models.ts';
import { toConverseStreamInput, type BedrockGuardrail, type BedrockRequestSettings } from './bedrock-request.ts';
import { readConverseStream } from './bedrock-stream.ts';
import type { ModelError } from './model-error.ts';
import type { ConverseRequest, ModelProvider, ModelStreamEvent } from './model-provider.ts';

export interface BedrockRetry {
  /** Calls in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface BedrockProviderOptions {
  /** A model id, an inference profile id, or the ARN of either. */
  modelId: string;
  region: string;
  /**
   * Default: a client in `region` with the default credential chain and no SDK retries. A client
   * given here should have `maxAttempts: 1` too, or the SDK's retries multiply with these.
   */
  client?: BedrockRuntimeClient;
  /** Default 8192: room for a tool call that writes a whole file. */
  maxTokens?: number;
  /** Default: the model's own. */
  temperature?: number;
  /** Default: on for the models BEDROCK_MODEL_TRAITS lists as supporting a cachePoint. */
  promptCaching?: boolean;
  /** Default: from BEDROCK_MODEL_TRAITS, 32k for a model it does not know. */
  contextWindowTokens?: number;
  /** Screens input and output, in 'sync' mode; trace defaults to 'disabled'. */
  guardrail?: BedrockGuardrail;
  /** Default: 5 attempts, 1 s base, 20 s cap. */
  retry?: BedrockRetry;
  /** Waits between attempts; for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1); for tests. */
  random?: () => number;
}

// Bedrock's quotas are per minute, so the later waits reach into seconds: 1 + 2 + 4 + 8 s at
// most over five attempts (half that on average, with full jitter), well inside a run's budget.
const defaultRetry: BedrockRetry = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 20_000 };

// A region that cannot be reached should fail in seconds, not hang a run. No request timeout:
// a model may think for a while between stream events, and the run's own deadline aborts it.
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A ModelProvider on Bedrock's ConverseStream. Failures become ModelError (see
 * bedrock-errors.ts). Retryable ones are retried with full-jitter exponential backoff, but only
 * while nothing has been yielded for the call: Bedrock cannot resume a stream, so a retry after
 * partial output would repeat text and tool calls the consumer already has.
 */
export function createBedrockProvider(options: BedrockProviderOptions): ModelProvider {
  const { modelId, region } = options;
  // This provider retries, including exceptions that arrive inside the stream, which the SDK
  // cannot retry; the SDK's own 3 attempts would multiply with ours, so it makes one.
  const client = options.client ?? new BedrockRuntimeClient({ region, maxAttempts: 1, requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS } });
  const retry = options.retry ?? defaultRetry;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));
  const random = options.random ?? Math.random;
  const context: BedrockCallContext = { modelId, region };
  const settings: Omit<BedrockRequestSettings, 'cachePoints'> = {
    modelId,
    maxTokens: options.maxTokens ?? 8192,
    ...(options.temperature !== undefined && { temperature: options.temperature }),
    ...(options.guardrail && { guardrail: options.guardrail }),
  };
  const cachePoints = cachePointsFor(modelId, options.promptCaching);

  return {
    label: `bedrock:${modelId}`,
    provider: 'bedrock',
    modelId,
    contextWindowTokens: options.contextWindowTokens ?? contextWindowFor(modelId),
    async *converse(request: ConverseRequest): AsyncIterable<ModelStreamEvent> {
      const { signal } = request;
      const input = toConverseStreamInput(request, { ...settings, cachePoints });
      let yielded = false;
      for (let attempt = 1; ; attempt += 1) {
        signal?.throwIfAborted();
        let failure: ModelError;
        try {
          const sentAt = performance.now();
          const response = await client.send(new ConverseStreamCommand(input), { abortSignal: signal });
          for await (const event of readConverseStream(response.stream ?? emptyStream(), context, sentAt)) {
            // The real client aborts the HTTP stream too; this also stops events already buffered.
            signal?.throwIfAborted();
            yielded = true;
            yield event;
          }
          return;
        } catch (err) {
          // A cancelled run ends with the caller's own reason, never as a model failure.
          if (signal?.aborted) throw signal.reason;
          failure = toModelError(err, context);
        }
        if (!failure.retryable || yielded || attempt >= retry.maxAttempts) throw failure;
        await sleep(backoffMs(attempt, retry, random), signal).catch((err: unknown) => {
          throw signal?.aborted ? signal.reason : err;
        });
      }
    },
  };
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^(n-1))). */
export function backoffMs(attempt: number, retry: BedrockRetry, random: () => number): number {
  return Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
}

// A response without a stream has no stop event, so it fails as an incomplete stream.
async function* emptyStream(): AsyncGenerator<never> {}
