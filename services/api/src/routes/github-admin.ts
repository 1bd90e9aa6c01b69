import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { GithubLink, GithubLinkPage, GithubLinkPut, PullRequestReviewPage, RemitError, WebhookDeliveryPage, pageQuery } from '@remit/core';
import {
  deleteGithubLink,
  findRole,
  findUserByEmail,
  listGithubLinks,
  listPullRequestReviews,
  listWebhookDeliveries,
  upsertGithubLink,
  type Sql,
} from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';

const linkCursor = listCursor('github-links', z.tuple([z.int().positive()]));
const deliveryCursor = listCursor('webhook-deliveries', z.tuple([z.iso.datetime(), z.string()]));
const GithubId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 53 - 1)
  .meta({ param: { name: 'githubId', in: 'path' }, description: 'The GitHub account’s numeric id (logins can be renamed; ids cannot)' });

/** Admins: which GitHub account is which user (and their review role), what deliveries became, and the reviews posted. */
export function mountGithubAdmin(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['admin: github'], security: bearerSecurity };
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/admin/github/links',
      operationId: 'listGithubLinks',
      summary: 'GitHub accounts linked to users',
      request: { query: z.object(pageQuery({ default: 100, max: 500 })).strict() },
      responses: { 200: jsonContent(GithubLinkPage, 'A page of links, by GitHub id'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = linkCursor.decode(q.cursor)?.[0];
      const rows = await tx(c, (sql) => listGithubLinks(sql, { ...(after ? { afterGithubId: after } : {}), limit: q.limit + 1 }));
      return c.json(
        linkCursor.page(rows, q.limit, (l) => [l.githubId]),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'put',
      path: '/v1/admin/github/links/{githubId}',
      operationId: 'putGithubLink',
      summary: 'Link a GitHub account to a user (and optionally the role their reviews run as)',
      request: { params: z.object({ githubId: GithubId }), body: jsonBody(GithubLinkPut) },
      responses: { 200: jsonContent(GithubLink, 'Linked'), ...errorResponses(400, 401, 403, 413, 415, 422, 429) },
    }),
    async (c) => {
      const { githubId } = c.req.valid('param');
      const body = c.req.valid('json');
      const link = await tx(c, async (sql) => {
        const user = await findUserByEmail(sql, body.user);
        if (!user) throw new RemitError('unknown_reference', `user: nobody with the email ${body.user} has signed in yet; they must sign in once first.`);
        const role = body.role ? await findRole(sql, { name: body.role }) : undefined;
        if (body.role && !role) throw new RemitError('unknown_reference', `role: there is no role "${body.role}".`);
        const saved = await upsertGithubLink(sql, { githubId, githubLogin: body.githubLogin, userId: user.id, roleId: role?.id ?? null, linkedBy: 'admin' });
        await auditRequest(sql, c, {
          action: 'github.link',
          targetType: 'github_account',
          targetId: String(githubId),
          outcome: 'success',
          detail: { linkedBy: 'admin', role: body.role ?? null },
        });
        return saved;
      });
      return c.json(link, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: '/v1/admin/github/links/{githubId}',
      operationId: 'deleteGithubLink',
      summary: 'Unlink a GitHub account: its pull requests are no longer reviewed as anyone',
      request: { params: z.object({ githubId: GithubId }) },
      responses: { 204: { description: 'Unlinked' }, ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { githubId } = c.req.valid('param');
      await tx(c, async (sql) => {
        if (!(await deleteGithubLink(sql, githubId))) throw new RemitError('not_found', `No link for GitHub account ${githubId}.`);
        await auditRequest(sql, c, { action: 'github.unlink', targetType: 'github_account', targetId: String(githubId), outcome: 'success' });
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/admin/github/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'Webhook deliveries, newest first, with what became of each (queued, or skipped and why)',
      request: { query: z.object(pageQuery({ default: 50, max: 500 })).strict() },
      responses: { 200: jsonContent(WebhookDeliveryPage, 'A page of deliveries'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const before = deliveryCursor.decode(q.cursor);
      const rows = await tx(c, (sql) =>
        listWebhookDeliveries(sql, { ...(before ? { before: { receivedAt: before[0], deliveryId: before[1] } } : {}), limit: q.limit + 1 }),
      );
      return c.json(
        deliveryCursor.page(rows, q.limit, (d) => [d.receivedAt, d.deliveryId]),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/admin/github/reviews',
      operationId: 'listPullRequestReviews',
      summary: 'Reviews, newest first: one per (repository, pull request, head commit)',
      request: {
        query: z
          .object({
            repository: z.string().max(200).optional(),
            pullNumber: z.coerce.number().int().positive().max(2_147_483_647).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          })
          .strict(),
      },
      responses: { 200: jsonContent(PullRequestReviewPage, 'Reviews'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await tx(c, (sql) => listPullRequestReviews(sql, q));
      return c.json(
        {
          items: rows.map(({ repository, pullNumber, headSha, runId, status, detail, reviewUrl }) => ({
            repository,
            pullNumber,
            headSha,
            runId,
            status,
            detail,
            reviewUrl,
          })),
          nextCursor: null,
        },
        200,
      );
    },
  );
}
