import { setTimeout as delay } from 'node:timers/promises';
import type { Resolver } from '@remit/egress';
import { ModelError } from './model-error.ts';
import type { ConverseRequest, ModelProvider, ModelStreamEvent } from './model-provider.ts';
import { failureForStatus, modelError, serverError, toModelError, type FailureContext } from './openai-errors.ts';
import { toChatRequest } from './openai-mapping.ts';
import { defaultRetryPolicy, retryAfterMs, retryDelay, type RetryPolicy } from './openai-retry.ts';
import { readSseEvents } from './openai-sse.ts';
import { postGuardedStream, readSmallBody, type GuardedStream } from './openai-transport.ts';
import { createTurnAssembler, record } from './openai-turn.ts';

export interface OpenAICompatibleOptions {
  /** The API root, e.g. `http://10.0.0.5:8000/v1`; requests go to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. vLLM, llama.cpp and Ollama need none by default. */
  apiKey?: string;
  model: string;
  /** CIDRs the egress guard allows for this server: self-hosted servers live on private networks. Default none. */
  allowCidrs?: readonly string[];
  /** DNS for the egress guard; default the system resolver. */
  resolver?: Resolver;
  /** Default 4096, so a runaway turn has a bounded cost; servers' own defaults fill the context window. */
  maxTokens?: number;
  /** Default: the server's. */
  temperature?: number;
  /**
   * The server's context window (vLLM's --max-model-len, llama.cpp's --ctx-size). The API does
   * not report it, so default 32k, the figure Bedrock uses for a model it does not know.
   */
  contextWindowTokens?: number;
  /** The longest silence allowed, before the first byte or between chunks. Default 120 s, for long prefills on small GPUs. */
  timeoutMs?: number;
  /** Default 4 attempts, 0.5 s doubling to 20 s (see openai-retry.ts). */
  retry?: RetryPolicy;
  /** Waits between attempts; for tests. Default a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), for the backoff's jitter; for tests. */
  random?: () => number;
}

/**
 * A ModelProvider for servers speaking OpenAI's chat-completions API (OpenAI, vLLM, llama.cpp,
 * Ollama, TGI, LiteLLM). Every request goes through the egress guard. Failures before anything
 * was yielded are retried per the ModelError table; after that they are thrown, since a turn
 * cannot be resumed halfway. Throws ModelError, or the signal's reason when aborted.
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions): ModelProvider {
  const endpoint = chatCompletionsUrl(options.baseUrl);
  const policy = options.retry ?? defaultRetryPolicy;
  const sleep: (ms: number, signal?: AbortSignal) => Promise<void> = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const context: FailureContext = { origin: endpoint.origin, model: options.model, hasApiKey: Boolean(options.apiKey), timeoutMs };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(options.apiKey && { authorization: `Bearer ${options.apiKey}` }),
  };

  /** One request: throws on any failure; `retry` learns the wait a 429 or 503 asked for. */
  async function* callOnce(body: string, turn: number, signal: AbortSignal | undefined, retry: { afterMs?: number }): AsyncGenerator<ModelStreamEvent> {
    // Measured here, per attempt: the time this answer took, as Bedrock's latencyMs is.
    const started = performance.now();
    const stream = await postGuardedStream(
      endpoint.href,
      { headers, body },
      { resolver: options.resolver, allowCidrs: options.allowCidrs, idleTimeoutMs: timeoutMs, signal },
    );
    if (stream.status < 200 || stream.status > 299) throw await statusError(stream, retry);
    if (String(stream.headers['content-type']).startsWith('application/json')) {
      stream.close();
      throw modelError('not_streaming', context);
    }
    const assembler = createTurnAssembler(turn);
    let done = false;
    try {
      for await (const sse of readSseEvents(stream.body)) {
        if (sse.data.trim() === '[DONE]') {
          done = true;
          break;
        }
        const chunk = parseChunk(sse.event, sse.data);
        yield* assembler.accept(chunk);
      }
    } finally {
      stream.close();
    }
    // llama.cpp and Ollama may close without [DONE]; a finish_reason still shows the turn ended.
    if (!done && !assembler.finished) throw modelError('stream_cut', context);
    const { events, usage } = assembler.finish();
    yield* events;
    yield { type: 'metadata', usage, latencyMs: performance.now() - started };
  }

  function parseChunk(event: string, data: string): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      if (event === 'error') throw modelError('stream_error', context, { cause: new Error(data.slice(0, 500)) });
      throw modelError('bad_stream', { ...context, detail: 'an event is not JSON' });
    }
    const reported = serverError(value) ?? (event === 'error' ? { message: data.slice(0, 500) } : undefined);
    if (reported) {
      const status = reported.status !== undefined && reported.status >= 400 && reported.status <= 599 ? reported.status : undefined;
      const failure = status ? failureForStatus(status, reported.providerCode) : 'stream_error';
      throw modelError(
        failure,
        { ...context, status, said: reported.message.slice(0, 300) },
        { details: { ...(reported.providerCode && { providerCode: reported.providerCode }) }, cause: new Error(reported.message) },
      );
    }
    const chunk = record(value);
    if (!chunk) throw modelError('bad_stream', { ...context, detail: 'an event is not a JSON object' });
    return chunk;
  }

  async function statusError(stream: GuardedStream, retry: { afterMs?: number }): Promise<ModelError> {
    const text = await readSmallBody(stream);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined; // not JSON (a proxy's HTML page): the status alone says what failed
    }
    const reported = serverError(parsed);
    const wait = stream.status === 429 || stream.status === 503 ? retryAfterMs(stream.headers) : undefined;
    retry.afterMs = wait;
    const requestId = stream.headers['x-request-id'];
    return modelError(
      failureForStatus(stream.status, reported?.providerCode),
      { ...context, status: stream.status, said: reported?.message.slice(0, 300), ...(wait !== undefined && wait > policy.maxDelayMs && { waitMs: wait }) },
      {
        details: { ...(reported?.providerCode && { providerCode: reported.providerCode }), ...(typeof requestId === 'string' && { requestId }) },
        cause: new Error(reported?.message ?? text.slice(0, 500)),
      },
    );
  }

  return {
    label: `openai-compatible:${options.model}@${endpoint.origin}`,
    provider: 'openai-compatible',
    modelId: options.model,
    contextWindowTokens: options.contextWindowTokens ?? 32_000,
    async *converse(request: ConverseRequest): AsyncIterable<ModelStreamEvent> {
      const body = JSON.stringify(toChatRequest(request, { model: options.model, maxTokens: options.maxTokens ?? 4096, temperature: options.temperature }));
      const turn = request.messages.filter((m) => m.role === 'assistant').length;
      const { signal } = request;
      for (let attempt = 1; ; attempt += 1) {
        const retry: { afterMs?: number } = {};
        let yielded = false;
        try {
          for await (const event of callOnce(body, turn, signal, retry)) {
            // The socket is gone once aborted, but a chunk already read would still come out.
            signal?.throwIfAborted();
            yielded = true;
            yield event;
          }
          return;
        } catch (err) {
          signal?.throwIfAborted();
          const error = toModelError(err, context);
          const wait = error.retryable && !yielded && attempt < policy.maxAttempts ? retryDelay(attempt, policy, retry.afterMs, options.random) : null;
          if (wait === null) throw error;
          await untilAborted(sleep(wait, signal), signal);
        }
      }
    },
  };
}

/** `{baseUrl}/chat/completions`, keeping any query string where it belongs. */
function chatCompletionsUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // Not kept as the cause: the parser's message quotes the URL, which may carry a key.
    throw new ModelError('model_invalid_request', 'The model server\'s baseUrl is not a URL (expected e.g. "http://10.0.0.5:8000/v1").', { retryable: false });
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  return url;
}

/** An injected sleep knows nothing of the signal, so the wait is raced against it. */
function untilAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    wait.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
