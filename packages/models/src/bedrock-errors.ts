import { ModelError, type ModelErrorCode } from './model-error.ts';

/** What every message names, so a person knows which model and region to look at. */
export interface BedrockCallContext {
  modelId: string;
  region: string;
}

interface Translation {
  code: ModelErrorCode;
  /** Whether the same call may succeed if repeated after a pause. */
  retryable: boolean;
  message: (c: BedrockCallContext, providerMessage: string) => string;
}

const noCredentials: Translation = {
  code: 'model_access_denied',
  retryable: false,
  message: ({ region }) => `Remit has no valid AWS credentials for Bedrock in ${region}: give the worker a role, or set AWS credentials in its environment.`,
};

/**
 * Bedrock → Remit, by the error's `name`: the same for an error `send` throws, an exception the
 * SDK throws while reading the stream, and an exception event in the stream (whose union key
 * is the name with a lower-case first letter). Names in brackets below are ours.
 * The AWS message is shown only for ValidationException: it is the one place that says what
 * was wrong with the request ("…isn't supported. Retry with an inference profile").
 */
const bedrockErrors: Record<string, Translation> = {
  ThrottlingException: {
    code: 'model_throttled',
    retryable: true,
    message: ({ modelId, region }) =>
      `Bedrock is throttling calls to ${modelId} in ${region}: ask for a higher tokens-per-minute quota, or use a cross-region inference profile (us., eu., apac.).`,
  },
  ServiceQuotaExceededException: {
    code: 'model_quota_exceeded',
    retryable: false,
    message: ({ modelId, region }) => `The AWS account's Bedrock quota for ${modelId} in ${region} is used up: raise it in Service Quotas.`,
  },
  ServiceUnavailableException: {
    code: 'model_unavailable',
    retryable: true,
    message: ({ modelId, region }) => `Bedrock in ${region} is unavailable for ${modelId} right now; try again later.`,
  },
  InternalServerException: {
    code: 'model_unavailable',
    retryable: true,
    message: ({ modelId, region }) => `Bedrock in ${region} had an internal error serving ${modelId}; try again later.`,
  },
  ModelNotReadyException: {
    code: 'model_unavailable',
    retryable: true,
    message: ({ modelId, region }) => `${modelId} in ${region} is not ready to serve calls yet (it is being loaded); try again in a minute.`,
  },
  ModelTimeoutException: {
    code: 'model_timeout',
    retryable: true,
    message: ({ modelId, region }) => `${modelId} in ${region} took too long to answer; try again, or shorten the conversation.`,
  },
  // The SDK's request timeout (@smithy/node-http-handler).
  TimeoutError: {
    code: 'model_timeout',
    retryable: true,
    message: ({ region }) => `The connection to Bedrock in ${region} timed out.`,
  },
  // AWS's advice for this one is to retry the request.
  ModelStreamErrorException: {
    code: 'model_failed',
    retryable: true,
    message: ({ modelId, region }) => `${modelId} in ${region} failed while streaming its answer.`,
  },
  ModelErrorException: {
    code: 'model_failed',
    retryable: false,
    message: ({ modelId, region }) => `${modelId} in ${region} returned an error while processing the request.`,
  },
  ValidationException: {
    code: 'model_invalid_request',
    retryable: false,
    message: ({ modelId, region }, said) => `Bedrock refused the request to ${modelId} in ${region} as invalid: ${said}`,
  },
  AccessDeniedException: {
    code: 'model_access_denied',
    retryable: false,
    message: ({ modelId, region }) =>
      `Bedrock denied access to model ${modelId} in region ${region}: enable model access in the Bedrock console and allow bedrock:InvokeModelWithResponseStream on the model (for an inference profile: on the profile and on the model in each region it routes to).`,
  },
  ResourceNotFoundException: {
    code: 'model_not_found',
    retryable: false,
    message: ({ modelId, region }) => `Bedrock in ${region} has no model or inference profile ${modelId}: check the id and the region.`,
  },
  UnrecognizedClientException: noCredentials,
  ExpiredTokenException: noCredentials,
  CredentialsProviderError: noCredentials,
  // [NetworkError] a connection that failed or dropped (Node's ECONNRESET and the like).
  NetworkError: {
    code: 'model_unavailable',
    retryable: true,
    message: ({ region }) => `Remit could not reach Bedrock in ${region}: the connection failed.`,
  },
  // [IncompleteStream] the stream ended without messageStop, so the turn is cut short.
  IncompleteStream: {
    code: 'model_failed',
    retryable: true,
    message: ({ modelId, region }) => `Bedrock's stream from ${modelId} in ${region} ended before the model finished its turn.`,
  },
};

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

// Enough of a ValidationException to act on, without quoting a whole request back.
const MAX_PROVIDER_MESSAGE = 300;

/**
 * Any error from a Bedrock call as a ModelError; a ModelError passes through unchanged.
 * `eventName` is the error's name when it came as an exception event in the stream.
 */
export function toModelError(err: unknown, context: BedrockCallContext, eventName?: string): ModelError {
  if (err instanceof ModelError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const name = eventName ?? (typeof e.name === 'string' ? e.name : 'Error');
  const key = typeof e.code === 'string' && NETWORK_CODES.has(e.code) ? 'NetworkError' : name;
  const said = typeof e.message === 'string' && e.message ? e.message.slice(0, MAX_PROVIDER_MESSAGE) : 'no reason given.';
  const details = {
    providerCode: name,
    ...(e.$metadata?.httpStatusCode !== undefined && { httpStatus: e.$metadata.httpStatusCode }),
    ...(e.$metadata?.requestId !== undefined && { requestId: e.$metadata.requestId }),
  };
  const t = bedrockErrors[key];
  if (t) return new ModelError(t.code, t.message(context, said), { retryable: t.retryable, details, cause: err });
  // A name this table does not know (a future exception): a server fault is worth one more
  // try, a client fault will fail the same way again.
  const serverFault = e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500;
  return new ModelError(
    serverFault ? 'model_unavailable' : 'model_failed',
    `The call to ${context.modelId} on Bedrock in ${context.region} failed (${name}).`,
    {
      retryable: serverFault,
      details,
      cause: err,
    },
  );
}

/** Our own error for a stream that ended without messageStop. */
export function incompleteStream(context: BedrockCallContext): ModelError {
  const t = bedrockErrors.IncompleteStream!;
  return new ModelError(t.code, t.message(context, ''), { retryable: t.retryable });
}
