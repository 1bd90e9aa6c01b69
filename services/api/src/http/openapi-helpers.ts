import { ApiError } from '@remit/core';
import type { z } from 'zod';

const errorText: Record<number, string> = {
  400: 'Bad request: malformed JSON, wrong types, unknown fields or a bad id',
  401: 'Missing or invalid bearer token',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict: duplicate name, or still in use',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Refers to something that does not exist',
  429: 'Rate limited: retry after the Retry-After header',
};

/** OpenAPI response entries for the error envelope, one per status a route can answer. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { description: errorText[s] ?? 'Error', content: { 'application/json': { schema: ApiError } } }]));
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

export const bearerSecurity = [{ bearer: [] as string[] }];
