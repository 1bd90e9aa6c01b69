import { BlockReason, isEgressError, type EgressErrorCode } from '@remit/egress';
import { isModelError, ModelError, type ModelErrorCode, type ModelErrorDetails } from './model-error.ts';
import { SseTooLargeError } from './openai-sse.ts';
import { record } from './openai-turn.ts';

/** Every way a call to an OpenAI-compatible server fails, before it becomes a ModelError. */
type OpenAIFailure =
  | 'blocked'
  | 'invalid_url'
  | 'dns_failed'
  | 'timeout'
  | 'connection_failed'
  | 'redirected'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'throttled'
  | 'quota_exceeded'
  | 'server_error'
  | 'unavailable'
  | 'gateway_timeout'
  | 'not_streaming'
  | 'bad_stream'
  | 'stream_error'
  | 'stream_cut';

/** What a message may name: the origin (never the path), the model, the status, our own findings. */
export interface FailureContext {
  origin: string;
  model: string;
  hasApiKey: boolean;
  timeoutMs: number;
  status?: number;
  /** The egress verdict's own sentence, for blocked and unparsable URLs. */
  detail?: string;
  reason?: string;
  waitMs?: number;
  /** The server's own message, shown for a refused request only (see `failures`). */
  said?: string;
}

interface Row {
  code: ModelErrorCode;
  retryable: boolean;
  message(c: FailureContext): string;
}

const http = (c: FailureContext) => (c.status ? ` (HTTP ${c.status})` : '');

/**
 * The one translation table from the server's (and the network's) failures to ours. Messages
 * say what a person can do; the server's own words go to `cause`, for operators' logs, as a
 * server may echo a rejected key back ("Incorrect API key provided: sk-ab***"). The exception is
 * a refused request, where only the server can say what was wrong ("max_tokens must be at most
 * 2048"), so its first 300 characters are shown, as Bedrock's ValidationException is.
 */
const failures: Record<OpenAIFailure, Row> = {
  blocked: {
    code: 'model_access_denied',
    retryable: false,
    message: (c) =>
      allowable.has(c.reason ?? '')
        ? `The model server at ${c.origin} resolves to a ${c.reason?.replace('_', '-')} address; if it is your own server, allow its range with allowCidrs.`
        : `Remit never connects to the model server at ${c.origin}: ${c.detail ?? c.reason}`,
  },
  invalid_url: { code: 'model_invalid_request', retryable: false, message: (c) => `The model server's baseUrl cannot be called: ${c.detail}` },
  dns_failed: { code: 'model_unavailable', retryable: false, message: (c) => `Remit could not look up the model server in baseUrl: ${c.detail}` },
  timeout: { code: 'model_timeout', retryable: true, message: (c) => `The model server at ${c.origin} was silent for ${c.timeoutMs} ms.` },
  connection_failed: {
    code: 'model_unavailable',
    retryable: true,
    message: (c) => `Could not reach the model server at ${c.origin}${c.detail ? ` (${c.detail})` : ''}; is it running?`,
  },
  redirected: {
    code: 'model_invalid_request',
    retryable: false,
    message: (c) => `The model server at ${c.origin} redirected the request${http(c)}; set baseUrl to the address it redirects to.`,
  },
  bad_request: {
    code: 'model_invalid_request',
    retryable: false,
    message: (c) => `The model server at ${c.origin} refused the request for model "${c.model}" as invalid${http(c)}: ${c.said ?? 'no reason given.'}`,
  },
  unauthorized: {
    code: 'model_access_denied',
    retryable: false,
    message: (c) =>
      c.hasApiKey
        ? `The model server at ${c.origin} rejected the API key${http(c)}; check the key configured for this model.`
        : `The model server at ${c.origin} needs an API key${http(c)}; configure one for this model.`,
  },
  forbidden: {
    code: 'model_access_denied',
    retryable: false,
    message: (c) => `The model server at ${c.origin} refused access to model "${c.model}"${http(c)}; check what the API key may use.`,
  },
  not_found: {
    code: 'model_not_found',
    retryable: false,
    message: (c) =>
      `The model server at ${c.origin} has no model "${c.model}" or no /chat/completions endpoint${http(c)}; check the model name and that baseUrl ends in /v1.`,
  },
  throttled: {
    code: 'model_throttled',
    retryable: true,
    message: (c) =>
      `The model server at ${c.origin} is limiting requests${http(c)}${c.waitMs !== undefined ? ` and asked for a wait of ${Math.ceil(c.waitMs / 1000)} s, longer than Remit waits` : ''}; try again later.`,
  },
  quota_exceeded: {
    code: 'model_quota_exceeded',
    retryable: false,
    message: (c) => `The account behind the API key for ${c.origin} has no quota left${http(c)}; raise its limit or use another key.`,
  },
  server_error: { code: 'model_failed', retryable: true, message: (c) => `The model server at ${c.origin} failed${http(c)}.` },
  unavailable: {
    code: 'model_unavailable',
    retryable: true,
    message: (c) => `The model server at ${c.origin} is unavailable${http(c)}; it may be starting or overloaded.`,
  },
  gateway_timeout: { code: 'model_timeout', retryable: true, message: (c) => `A gateway in front of the model server at ${c.origin} timed out${http(c)}.` },
  not_streaming: {
    code: 'model_failed',
    retryable: false,
    message: (c) => `The model server at ${c.origin} answered without streaming; Remit needs a server that supports "stream": true.`,
  },
  bad_stream: { code: 'model_failed', retryable: false, message: (c) => `The model server at ${c.origin} sent a stream Remit cannot read: ${c.detail}.` },
  stream_error: { code: 'model_failed', retryable: true, message: (c) => `The model server at ${c.origin} reported an error while answering${http(c)}.` },
  stream_cut: { code: 'model_unavailable', retryable: true, message: (c) => `The model server at ${c.origin} ended the stream before the model finished.` },
};

// The verdict reasons an admin may allow with a CIDR (egress classify-address's allowableReasons).
const allowable = new Set<string>([BlockReason.loopback, BlockReason.private, BlockReason.cgnat, BlockReason.unique_local, BlockReason.benchmarking]);

const egressFailures: Record<EgressErrorCode, OpenAIFailure> = {
  egress_blocked: 'blocked',
  egress_invalid_url: 'invalid_url',
  egress_dns_failed: 'dns_failed',
  egress_timeout: 'timeout',
  egress_upstream_failed: 'connection_failed',
  // The transport follows no redirects and reads no capped body, so these cannot happen; kept
  // for the exhaustive table.
  egress_too_many_redirects: 'redirected',
  egress_downgrade: 'redirected',
  egress_too_large: 'bad_stream',
};

/** A failure as a ModelError. `cause` keeps the original (the server's own error) for logs. */
export function modelError(failure: OpenAIFailure, context: FailureContext, extra: { details?: ModelErrorDetails; cause?: unknown } = {}): ModelError {
  const row = failures[failure];
  return new ModelError(row.code, row.message(context), {
    retryable: row.retryable,
    details: { ...extra.details, ...(context.status && { httpStatus: context.status }) },
    cause: extra.cause,
  });
}

/** Which failure an HTTP status is (a status in an SSE `error` object included). */
export function failureForStatus(status: number, providerCode: string | undefined): OpenAIFailure {
  if (status >= 300 && status < 400) return 'redirected';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  // OpenAI answers 429 both for a rate limit (wait) and for an empty balance (waiting won't help).
  if (status === 429) return providerCode === 'insufficient_quota' ? 'quota_exceeded' : 'throttled';
  if (status >= 400 && status < 500) return 'bad_request';
  if (status === 502 || status === 503) return 'unavailable';
  if (status === 504) return 'gateway_timeout';
  return 'server_error';
}

/** A thrown error (egress, stream parsing, ours) as a ModelError; anything unknown is a non-retryable model_failed. */
export function toModelError(err: unknown, context: FailureContext): ModelError {
  if (isModelError(err)) return err;
  if (isEgressError(err)) {
    const cause = err.cause as NodeJS.ErrnoException | undefined;
    const detail = err.code === 'egress_upstream_failed' ? cause?.code : err.message;
    return modelError(egressFailures[err.code], { ...context, detail, reason: err.details?.reason }, { cause: err });
  }
  if (err instanceof SseTooLargeError) return modelError('bad_stream', { ...context, detail: err.message }, { cause: err });
  return new ModelError('model_failed', `The call to the model server at ${context.origin} failed unexpectedly.`, { retryable: false, cause: err });
}

/**
 * The error a server reports, from an error body or an SSE `error` event: OpenAI and newer vLLM
 * send `{ error: { message, type, code } }`, older vLLM `{ object: 'error', message, code }`,
 * llama.cpp `{ error: { code: 500, message, type } }`. Undefined when the value is no error.
 */
export function serverError(value: unknown): { message: string; providerCode?: string; status?: number } | undefined {
  const body = record(value);
  const inner = record(body?.error) ?? (body?.object === 'error' ? body : undefined) ?? (typeof body?.error === 'string' ? { message: body.error } : undefined);
  if (!inner) return undefined;
  const code = inner.code ?? inner.type;
  return {
    message: typeof inner.message === 'string' ? inner.message : 'no message',
    ...(typeof code === 'string' && { providerCode: code }),
    ...(typeof inner.code === 'number' && { status: inner.code }),
  };
}
