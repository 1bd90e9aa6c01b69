import { RemitError, type ErrorCode } from '@remit/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './app-env.ts';
import { errorStatus } from './error-status.ts';
import { bearerChallenge } from './www-authenticate.ts';

function errorResponse(c: Context, code: ErrorCode, message: string): Response {
  const status = errorStatus[code];
  if (status === 401) c.header('WWW-Authenticate', bearerChallenge(code, message));
  return c.json({ error: { code, message } }, status as ContentfulStatusCode);
}

/**
 * The one onError. Known errors render their code and safe message; anything else is logged
 * with the request id and becomes a bare 500 that reveals nothing.
 */
export function renderError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof RemitError) {
    const retryAfter = err.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') c.header('Retry-After', String(retryAfter));
    if (errorStatus[err.code] >= 500) c.var.log?.error({ err, code: err.code }, 'request failed');
    return errorResponse(c, err.code, err.message);
  }
  if (err instanceof HTTPException && err.status === 413) return errorResponse(c, 'payload_too_large', 'The request body is too large.');
  c.var.log?.error({ err }, 'unhandled error');
  return errorResponse(c, 'internal', 'Internal error.');
}
