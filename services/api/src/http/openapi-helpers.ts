import { ApiError, type ErrorCode } from '@remit/core';
import type { z } from 'zod';
import { errorStatus } from './error-status.ts';

const errorText: Record<number, string> = {
  400: 'Bad request: malformed JSON, wrong types, unknown fields, a bad id or cursor',
  401: 'Missing or invalid bearer token',
  402: 'A monthly budget has no room for this',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict: duplicate name, still in use, or already finished',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Refers to something that does not exist, or cannot be done as asked',
  429: 'Rate limited: retry after the Retry-After header',
};

const errorHeaders: Record<number, Record<string, { description: string; schema: { type: 'string' | 'integer' } }>> = {
  // RFC 6750 §3; RFC 9110 §11.6.1 requires the challenge on every 401.
  401: {
    'WWW-Authenticate': {
      description: 'Bearer challenge (RFC 6750 §3): `Bearer realm="remit"`, plus `error="invalid_token"` when a token was sent and refused',
      schema: { type: 'string' },
    },
  },
  429: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
};

/** The codes that answer with `status`, from the one code-to-status table. */
function codesFor(status: number): ErrorCode[] {
  return (Object.keys(errorStatus) as ErrorCode[]).filter((code) => errorStatus[code] === status);
}

/** OpenAPI response entries for the error envelope, one per status a route can answer. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: `${errorText[s] ?? 'Error'}. Codes with this status: ${codesFor(s).join(', ')}.`,
        ...(errorHeaders[s] ? { headers: errorHeaders[s] } : {}),
        content: { 'application/json': { schema: ApiError } },
      },
    ]),
  );
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A 202 whose Location names the resource to watch (RFC 9110 §15.3.3). */
export function acceptedContent<T extends z.ZodType>(schema: T, description: string) {
  return {
    ...jsonContent(schema, description),
    headers: { Location: { description: 'The run: GET it to follow its status', schema: { type: 'string' as const } } },
  };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

export const bearerSecurity = [{ bearer: [] as string[] }];

/** No credentials: overrides the document's default of a bearer token. */
export const publicSecurity: { bearer: string[] }[] = [];
