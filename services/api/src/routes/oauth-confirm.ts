import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { confirmAuthorization, describeAuthorization } from '@remit/agents';
import { appendAudit } from '@remit/audit';
import { RemitError, Slug, isRemitError } from '@remit/core';
import type { Sql } from '@remit/db';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { errorResponses } from '../http/openapi-helpers.ts';
import { browserCookie, setBrowserCookie } from './oauth-browser-cookie.ts';
import { confirmPage, confirmPageHeaders } from './oauth-confirm-page.ts';

/** The browser link that `GET /v1/oauth/{connection}/start` hands out. */
export const confirmUrl = (publicUrl: string, connection: string, state: string) =>
  `${publicUrl}/oauth/${connection}/authorize?state=${encodeURIComponent(state)}`;

const request = {
  params: z.object({ connection: Slug.meta({ param: { name: 'connection', in: 'path' } }) }),
  query: z.object({ state: z.string().min(1).max(512) }),
};

/**
 * The browser step between `start` (bearer token, often a terminal) and the provider. It lives
 * outside /v1: a browser page that takes a form post, with no bearer token and no JSON. Both
 * routes are hidden from the API document: no API client calls them, a browser follows the
 * link `start` answers (and the post succeeds only as a redirect, which no 2xx describes).
 */
export function mountOAuthConfirm(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const tx = <T>(fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: null }, fn);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/oauth/{connection}/authorize',
      hide: true,
      tags: ['oauth'],
      summary: 'The page that asks this browser to confirm an authorization before it goes to the provider',
      request,
      responses: { 200: { description: 'An HTML page with one button', content: { 'text/html': { schema: z.string() } } }, ...errorResponses(400, 404) },
    }),
    async (c) => {
      const { connection } = c.req.valid('param');
      const { state } = c.req.valid('query');
      const flow = await tx((sql) => describeAuthorization(sql, { connectionName: connection, state }));
      return c.html(confirmPage({ connection, startedBy: flow.startedBy, providerOrigin: flow.providerOrigin }), 200, confirmPageHeaders(flow.providerOrigin));
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/oauth/{connection}/authorize',
      hide: true,
      tags: ['oauth'],
      summary: 'Binds the authorization to this browser (a cookie) and sends it on to the provider; works once',
      request,
      responses: { 303: { description: 'To the provider’s authorize URL, with a cookie scoped to the callback' }, ...errorResponses(400, 403, 404) },
    }),
    async (c) => {
      const { connection } = c.req.valid('param');
      const { state } = c.req.valid('query');
      try {
        // The answer to this post sets the binding cookie; a page on another site must not be
        // able to submit it in someone's browser, so only Remit's own page may (OWASP: verify
        // the Origin header). Current browsers send Origin on form posts (Firefox since 70).
        if (c.req.header('origin') !== new URL(deps.publicUrl).origin) {
          throw new RemitError('forbidden', 'Confirm on Remit’s own page: open the link Remit gave you and press Continue there.');
        }
        // The binding and its audit entry commit together; the sealed verifier is read after.
        const audited = <T extends { userId: string; connectionId: string }>(fn: (sql: Sql) => Promise<T>) =>
          tx(async (sql) => {
            const result = await fn(sql);
            await appendAudit(sql, {
              actorId: result.userId,
              action: 'oauth.confirm',
              targetType: 'connection',
              targetId: result.connectionId,
              outcome: 'success',
              requestId: c.var.requestId,
              detail: { connection },
            });
            return result;
          });
        const bound = await confirmAuthorization(deps, audited, { connectionName: connection, state });
        setBrowserCookie(c, browserCookie(c, deps.publicUrl, connection, state), bound.browserValue, bound.expiresAt);
        return c.redirect(bound.providerUrl, 303);
      } catch (err) {
        // In a transaction of its own: the refusal is recorded although the request fails.
        await tx((sql) =>
          appendAudit(sql, {
            actorId: null,
            action: 'oauth.confirm',
            targetType: 'connection',
            outcome: isRemitError(err) ? 'denied' : 'error',
            requestId: c.var.requestId,
            detail: { connection, reason: isRemitError(err) ? err.code : 'internal' },
          }),
        );
        throw err;
      }
    },
  );
}
