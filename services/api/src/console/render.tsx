import { RemitError } from '@remit/core';
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorStatus } from '../http/error-status.ts';
import { ErrorAlert } from './components.tsx';
import type { ConsoleEnv } from './console-env.ts';
import { BarePage, Page } from './layout.tsx';

/** A whole console page for the signed-in user. `current` is the navigation entry it belongs to. */
export function renderPage(c: Context<ConsoleEnv>, page: { title: string; current: string; body: Child }, status: ContentfulStatusCode = 200) {
  return c.html(
    <Page title={page.title} user={c.var.user} current={page.current}>
      {page.body}
    </Page>,
    status,
  );
}

export const isHtmx = (c: Context) => c.req.header('hx-request') === 'true';

/** Where a signed-out browser goes, remembering the page it asked for. */
export function loginUrl(c: Context): string {
  const next = c.req.method === 'GET' ? new URL(c.req.url).pathname + new URL(c.req.url).search : '/console';
  return `/console/login?next=${encodeURIComponent(next)}`;
}

/**
 * The console's one onError: a known error becomes a page (or, for an htmx request, a message
 * swapped into the page's message area) with the API's status, message and code; anything else
 * is logged with the request id and shown as a bare "Internal error".
 */
export function renderConsoleError(err: Error, c: Context<ConsoleEnv>): Response | Promise<Response> {
  const known = err instanceof RemitError ? err : undefined;
  if (!known) c.var.log?.error({ err }, 'console: unhandled error');
  const error = known ? { code: known.code, message: known.message } : { code: 'internal' as const, message: 'Internal error.' };
  const status = errorStatus[error.code] as ContentfulStatusCode;
  if (error.code === 'login_required') {
    if (isHtmx(c)) return c.body(null, 401, { 'hx-redirect': loginUrl(c) });
    if (c.req.method === 'GET') return c.redirect(loginUrl(c), 302);
  }
  if (isHtmx(c)) return c.html(<ErrorAlert error={error} />, status, { 'hx-retarget': '#flash', 'hx-reswap': 'innerHTML' });
  const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong';
  const body = (
    <>
      <h1>{title}</h1>
      <ErrorAlert error={error} />
      <p>
        <a href="/console/runs">Back to the console</a>
      </p>
    </>
  );
  const user = c.get('user');
  if (!user) return c.html(<BarePage title={title}>{body}</BarePage>, status);
  return c.html(
    <Page title={title} user={user} current="">
      {body}
    </Page>,
    status,
  );
}
