import { RemitError } from '@remit/core';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { assertStorableBody } from './storable-text.ts';

/** Admin payloads are small; anything larger is refused before it is read whole. */
const MAX_BODY_BYTES = 64 * 1024;

export const limitBody: MiddlewareHandler = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new RemitError('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
  },
});

/**
 * Requests that carry a body must be JSON objects whose every string PostgreSQL can store.
 * Parsing here, once, gives malformed JSON its own code; hono caches the parsed body, so the
 * zod validator reads the same value.
 */
export const requireJsonBody: MiddlewareHandler = async (c, next) => {
  if (!['POST', 'PUT', 'PATCH'].includes(c.req.method)) return next();
  const type = c.req.header('content-type') ?? '';
  // A bodiless action (POST /v1/runs/:id/cancel) sends nothing and names no type; routes that
  // need a body still refuse it in validation.
  const bodiless = !type && (c.req.header('content-length') ?? '0') === '0' && !c.req.header('transfer-encoding');
  if (bodiless) return next();
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new RemitError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.');
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    // Not kept as the cause: the parser's message quotes the body, which may hold a secret.
    throw new RemitError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RemitError('validation_failed', 'body: expected a JSON object.');
  }
  assertStorableBody(body);
  return next();
};
