import type { z } from 'zod';
import { ErrorCode, RemitError } from './errors.ts';

/**
 * Turns failed zod parses into our error codes: unknown keys are `unknown_field` wherever they
 * appear, a bad path parameter is `invalid_id`, a refinement that names its own code
 * (`params: { code }`, e.g. `name_looks_like_id`) gets that code, everything else is
 * `validation_failed` with the first problem spelled out (path and expectation), which is
 * usually enough to fix the request.
 */
export function zodToRemitError(error: z.ZodError, where: { target: string; prefix?: string }): RemitError {
  const issues = error.issues;
  const at = (path: readonly PropertyKey[]) => [where.prefix, ...path.map(String)].filter(Boolean).join('.');
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const path = at(unknown.path);
    return new RemitError('unknown_field', `Unknown field${unknown.keys.length > 1 ? 's' : ''}${path ? ` in ${path}` : ''}: ${unknown.keys.join(', ')}.`);
  }
  if (where.target === 'param') return new RemitError('invalid_id', 'The id in the path is not a valid id or name.');
  const coded = issues.find((i) => i.code === 'custom' && Object.hasOwn(ErrorCode, String(i.params?.code)));
  if (coded && coded.code === 'custom') return new RemitError(coded.params!.code as ErrorCode, `${at(coded.path) || 'body'}: ${coded.message}.`);
  const first = issues[0];
  const path = (first && at(first.path)) || (where.target === 'json' ? 'body' : where.target);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new RemitError('validation_failed', `${path}: ${first?.message ?? 'invalid'}${more}.`);
}
