import { OpenAPIHono } from '@hono/zod-openapi';
import { RemitError, defaultHttpLimits } from '@remit/core';
import type { AppEnv } from './app-env.ts';
import { authenticate, requireAdmin } from './authenticate.ts';
import type { AppDeps } from './deps.ts';
import { FailureBuckets } from './failure-buckets.ts';
import { limitBody, requireJsonBody } from './json-body.ts';
import { renderError } from './render-error.ts';
import { openApiConfig } from './openapi-document.ts';
import { requestContext } from './request-context.ts';
import { rejectUnstorableUrl } from './storable-text.ts';
import { StreamSlots } from './stream-slots.ts';
import { validationHook } from './validation-hook.ts';
import { mountConsole } from '../console/mount-console.tsx';
import { mountCrud } from '../routes/admin-crud.ts';
import { bindings, connectionsResource, roles } from '../routes/admin-resources.ts';
import { mountAudit } from '../routes/audit.ts';
import { mountAuditExport } from '../routes/audit-export.ts';
import { mountConnectionVerify } from '../routes/connection-verify.ts';
import { mountGithubAdmin } from '../routes/github-admin.ts';
import { mountGraph } from '../routes/graph.ts';
import { GITHUB_WEBHOOK_PATH, mountGithubWebhook } from '../routes/github-webhook.ts';
import { mountDocs } from '../routes/docs.ts';
import { mountHealth } from '../routes/health.ts';
import { mountInsightFindings } from '../routes/insight-findings.ts';
import { mountInsightJobs } from '../routes/insight-jobs.ts';
import { mountLegalHolds } from '../routes/legal-holds.ts';
import { mountMe } from '../routes/me.ts';
import { isOAuthCallback, mountOAuth } from '../routes/oauth.ts';
import { mountRunEvents } from '../routes/run-events.ts';
import { mountUsageAndBudgets } from '../routes/usage-and-budgets.ts';
import { mountRuns } from '../routes/runs.ts';
import { mountSandboxes } from '../routes/sandboxes.ts';
import { mountUserPurge } from '../routes/user-purge.ts';

/** The whole HTTP surface. Routes are registered through zod schemas, which also yield /openapi.json. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(renderError);
  app.notFound((c) => renderError(new RemitError('not_found', `No route for ${c.req.method} ${c.req.path}.`), c));
  app.use('*', requestContext(deps.logger));
  app.use('*', rejectUnstorableUrl);
  const limits = deps.httpLimits ?? defaultHttpLimits;
  const clock = () => (deps.now?.() ?? new Date()).getTime();
  const auth = authenticate(deps, new FailureBuckets(limits.invalidTokensPerSource, { now: clock }));
  // The GitHub webhook authenticates by its signature over the raw body: no bearer token, and no
  // JSON parsing before that signature is checked (its route limits its own body).
  const isWebhook = (path: string) => path === GITHUB_WEBHOOK_PATH;
  app.use(
    '/v1/*',
    (c, next) => (isWebhook(c.req.path) ? next() : limitBody(c, next)),
    (c, next) => (isWebhook(c.req.path) ? next() : requireJsonBody(c, next)),
    (c, next) => (isOAuthCallback(c.req.path) || isWebhook(c.req.path) ? next() : auth(c, next)),
  );
  app.use('/v1/admin/*', requireAdmin(deps));
  app.use('/v1/audit', requireAdmin(deps));
  app.use('/v1/audit/*', requireAdmin(deps));
  app.use('/v1/usage', requireAdmin(deps));
  // The review queue is the admins': a finding describes what a role could reach, whoever may use the role.
  app.use('/v1/insights/*', requireAdmin(deps));

  mountHealth(app, deps);
  mountMe(app);
  mountCrud(app, deps, roles);
  mountCrud(app, deps, connectionsResource(deps));
  mountConnectionVerify(app, deps);
  mountCrud(app, deps, bindings);
  mountAudit(app, deps);
  mountAuditExport(app, deps);
  mountRuns(app, deps);
  mountRunEvents(app, deps, new StreamSlots(limits));
  mountOAuth(app, deps);
  mountUsageAndBudgets(app, deps);
  mountSandboxes(app, deps);
  mountUserPurge(app, deps);
  mountGithubWebhook(app, deps);
  mountGithubAdmin(app, deps);
  mountLegalHolds(app, deps);
  mountGraph(app, deps);
  mountInsightJobs(app, deps);
  mountInsightFindings(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An OIDC access token from your identity provider (locally: `remit token`)',
  });
  app.doc31('/openapi.json', openApiConfig);
  mountDocs(app, () => app.getOpenAPI31Document(openApiConfig), '/openapi.json');
  mountConsole(app, deps, deps.console ?? { login: { kind: 'unavailable', why: 'This server was started without console settings.' } });
  return app;
}
