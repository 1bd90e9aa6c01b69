import { GithubError, type GithubErrorCode } from '../github-error.ts';

/** What Octokit throws for an HTTP failure (`RequestError`), read structurally. */
interface OctokitFailure {
  status: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** GitHub's answer by status, the one place GitHub failures become our codes. 5xx is `github_unavailable`. */
const CODE_BY_STATUS: Readonly<Record<number, GithubErrorCode>> = {
  400: 'github_validation_failed',
  401: 'github_unauthorized',
  403: 'github_forbidden',
  404: 'github_not_found',
  406: 'github_validation_failed',
  409: 'github_validation_failed',
  410: 'github_not_found',
  422: 'github_validation_failed',
  429: 'github_rate_limited',
};

export function isOctokitFailure(err: unknown): err is OctokitFailure {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}

export function headerOf(err: OctokitFailure, name: string): string | undefined {
  const value = err.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

function githubBody(err: OctokitFailure): { message?: string; errors?: unknown[] } {
  const data = err.response?.data;
  if (typeof data !== 'object' || data === null) return {};
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  return { message: typeof message === 'string' ? message : undefined, errors: Array.isArray(errors) ? errors : undefined };
}

/**
 * How long GitHub asked us to wait, when the failure is a rate limit: `retry-after` (secondary
 * limits and 429), else `x-ratelimit-reset` once `x-ratelimit-remaining` is 0 (the primary
 * limit), else 60 s for a 403 that says "secondary rate limit" with no header, as GitHub's docs
 * say to wait at least a minute. Undefined when the failure is not a rate limit.
 */
export function rateLimitWaitSeconds(err: OctokitFailure, now: Date): number | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined;
  const retryAfter = Number(headerOf(err, 'retry-after'));
  if (headerOf(err, 'retry-after') !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter);
  if (headerOf(err, 'x-ratelimit-remaining') === '0') {
    const reset = Number(headerOf(err, 'x-ratelimit-reset'));
    if (Number.isFinite(reset)) return Math.max(0, Math.ceil(reset - now.getTime() / 1000));
  }
  if (err.status === 429 || /secondary rate limit/i.test(githubBody(err).message ?? '')) return 60;
  return undefined;
}

/** Translates anything a GitHub call threw into GithubError; GitHub's own message is kept only for 422. */
export function toGithubError(err: unknown, now: Date = new Date()): GithubError {
  if (err instanceof GithubError) return err;
  if (!isOctokitFailure(err)) return new GithubError('github_unavailable', undefined, { cause: err });
  const details = { httpStatus: err.status, requestId: headerOf(err, 'x-github-request-id') };
  const wait = rateLimitWaitSeconds(err, now);
  if (wait !== undefined) return new GithubError('github_rate_limited', undefined, { details: { ...details, retryAfterSeconds: wait } });
  if (err.status >= 500) return new GithubError('github_unavailable', undefined, { details });
  const code = CODE_BY_STATUS[err.status] ?? 'github_validation_failed';
  if (code === 'github_validation_failed') {
    const body = githubBody(err);
    const message = body.message ? `GitHub rejected the request: ${body.message}` : undefined;
    return new GithubError(code, message, { details: { ...details, githubMessage: body.message, githubErrors: body.errors } });
  }
  return new GithubError(code, undefined, { details });
}
