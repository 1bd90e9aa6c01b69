// Errors are the SDK's own exception classes, built as its deserializer builds them; no call leaves the process.
import {
  AccessDeniedException,
  BedrockRuntimeServiceException,
  InternalServerException,
  ModelErrorException,
  ModelNotReadyException,
  ModelStreamErrorException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { toModelError } from './bedrock-errors.ts';
import { ModelError } from './model-error.ts';

const context = { modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', region: 'eu-central-1' };
const $metadata = { httpStatusCode: 400, requestId: 'c0ffee00-1234-4abc-8def-000000000042' };

describe('Bedrock errors → ModelError', () => {
  const table: [Error, string, boolean][] = [
    [new ThrottlingException({ message: 'Too many requests', $metadata }), 'model_throttled', true],
    [new ServiceUnavailableException({ message: 'Service unavailable', $metadata }), 'model_unavailable', true],
    [new InternalServerException({ message: 'Internal error', $metadata }), 'model_unavailable', true],
    [new ModelNotReadyException({ message: 'Model is not ready', $metadata }), 'model_unavailable', true],
    [new ModelTimeoutException({ message: 'Model timed out', $metadata }), 'model_timeout', true],
    [new ModelStreamErrorException({ message: 'Stream error', $metadata }), 'model_failed', true],
    [new ModelErrorException({ message: 'Model error', $metadata }), 'model_failed', false],
    [new ServiceQuotaExceededException({ message: 'Quota exceeded', $metadata }), 'model_quota_exceeded', false],
    [new ValidationException({ message: 'Malformed input request', $metadata }), 'model_invalid_request', false],
    [new AccessDeniedException({ message: 'Access denied', $metadata }), 'model_access_denied', false],
    [new ResourceNotFoundException({ message: 'Model not found', $metadata }), 'model_not_found', false],
  ];
  for (const [error, code, retryable] of table) {
    it(`${error.name} → ${code}, ${retryable ? 'retried' : 'not retried'}, naming the model and region`, () => {
      const translated = toModelError(error, context);
      expect(translated).toBeInstanceOf(ModelError);
      expect(translated).toMatchObject({ code, retryable, details: { providerCode: error.name, httpStatus: 400, requestId: $metadata.requestId } });
      expect(translated.cause).toBe(error);
      expect(translated.message).toContain(context.region);
    });
  }

  it('quotes the AWS message only for ValidationException, cut to 300 characters', () => {
    const long = `The model returned the following errors: ${'x'.repeat(1000)}`;
    expect(toModelError(new ValidationException({ message: long, $metadata }), context).message).toHaveLength(
      `Bedrock refused the request to ${context.modelId} in ${context.region} as invalid: `.length + 300,
    );
    const denied = toModelError(
      new AccessDeniedException({ message: 'User: arn:aws:sts::444455556666:assumed-role/worker is not authorized', $metadata }),
      context,
    );
    expect(denied.message).not.toContain('444455556666');
  });

  it('reads missing or bad credentials as access denied, telling where credentials come from', () => {
    for (const name of ['UnrecognizedClientException', 'ExpiredTokenException', 'CredentialsProviderError']) {
      const translated = toModelError(Object.assign(new Error('The security token included in the request is invalid.'), { name }), context);
      expect(translated).toMatchObject({ code: 'model_access_denied', retryable: false, message: expect.stringContaining('no valid AWS credentials') });
    }
  });

  it('retries a dropped connection and the SDK request timeout', () => {
    expect(toModelError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), context)).toMatchObject({
      code: 'model_unavailable',
      retryable: true,
    });
    expect(toModelError(Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }), context)).toMatchObject({
      code: 'model_timeout',
      retryable: true,
    });
  });

  it('retries an exception it does not know only when it is a server fault', () => {
    const future = (fault: 'client' | 'server') =>
      new BedrockRuntimeServiceException({
        name: 'ShinyNewException',
        $fault: fault,
        $metadata: { httpStatusCode: fault === 'server' ? 503 : 409 },
        message: 'new',
      });
    expect(toModelError(future('server'), context)).toMatchObject({
      code: 'model_unavailable',
      retryable: true,
      message: expect.stringContaining('ShinyNewException'),
    });
    expect(toModelError(future('client'), context)).toMatchObject({ code: 'model_failed', retryable: false });
    expect(toModelError('a string thrown by someone', context)).toMatchObject({ code: 'model_failed', retryable: false, details: { providerCode: 'Error' } });
  });

  it('passes a ModelError through unchanged', () => {
    const original = new ModelError('model_timeout', 'already translated', { retryable: true });
    expect(toModelError(original, context)).toBe(original);
  });
});
