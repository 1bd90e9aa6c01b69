import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { RemitError, Sandbox, SandboxKilled, SandboxPage, pageQuery, terminalRunStatuses, type RunStatus, type WarmPoolSummary } from '@remit/core';
import { appendRunEvent, requestCancel, runStatuses } from '@remit/db';
import type { SandboxInfo, WarmPoolStatus } from '@remit/sandbox';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonContent } from '../http/openapi-helpers.ts';

/** Sandboxes page by id: the driver lists them all at once, so a page is a slice of that list. */
const sandboxCursor = listCursor('sandboxes', z.tuple([z.string()]));
const SandboxId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'a sandbox id as `remit sandbox list` prints it')
  .meta({ param: { name: 'id', in: 'path' }, description: 'The sandbox id' });

/** Where a pool sandbox stands in this process's pool; pool sandboxes it does not hold are another's, or changing hands. */
function poolState(s: SandboxInfo, pool: WarmPoolStatus | undefined): Sandbox['pool'] {
  if (!s.pool) return null;
  if (pool?.ready.includes(s.id)) return { state: 'warm' };
  if (pool?.starting.ids.includes(s.id)) return { state: 'starting' };
  return { state: 'elsewhere' };
}

function summary(pool: WarmPoolStatus): WarmPoolSummary {
  const { memoryMb, maxProcesses, cpuSeconds } = pool.limits;
  return { size: pool.size, ready: pool.ready.length, starting: pool.starting.count, limits: { memoryMb, maxProcesses, cpuSeconds } };
}

/** What a sandbox is, with its run's status looked up (null when no such run exists). */
function describe(s: SandboxInfo, driver: string, statuses: Map<string, RunStatus>, pool: WarmPoolStatus | undefined): Sandbox {
  return {
    id: s.id,
    driver,
    kind: s.throwaway ? 'throwaway' : 'run',
    startedAt: s.startedAt.toISOString(),
    alive: s.alive,
    run: s.throwaway ? null : { id: s.runId, status: statuses.get(s.runId) ?? null },
    owner: s.throwaway ? { pid: s.throwaway.ownerPid, running: s.throwaway.ownerRunning } : null,
    pool: poolState(s, pool),
  };
}

/** `remit sandbox list|kill`: what runs on this deployment's sandbox driver, for admins. */
export function mountSandboxes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const common = { tags: ['admin: sandboxes'], security: bearerSecurity };
  const asAdmin = { orgId: deps.orgId, userId: null };

  /**
   * Every sandbox of the driver, sorted by id, with the statuses of the runs they serve, and
   * this process's warm pool. The pool is read after the list, so a sandbox that finished
   * starting in between shows as warm rather than as another process's.
   */
  async function described(): Promise<{ sandboxes: Sandbox[]; pool: WarmPoolStatus | undefined }> {
    const live = (await deps.sandboxes.list()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const pool = deps.sandboxes.status?.();
    const runIds = live.filter((s) => !s.throwaway).map((s) => s.runId);
    const statuses = runIds.length ? await deps.db.tenant(asAdmin, (sql) => runStatuses(sql, runIds)) : new Map<string, RunStatus>();
    return { sandboxes: live.map((s) => describe(s, deps.sandboxes.name, statuses, pool)), pool };
  }

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/admin/sandboxes',
      operationId: 'listSandboxes',
      summary: 'Live sandboxes: the run each serves, or the local process that owns a throwaway one; and this server’s warm pool',
      request: { query: z.object(pageQuery({ default: 100, max: 500 })).strict() },
      responses: { 200: jsonContent(SandboxPage, 'A page of sandboxes, by id'), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = sandboxCursor.decode(q.cursor)?.[0];
      const { sandboxes, pool } = await described();
      const rows = sandboxes.filter((s) => after === undefined || s.id > after);
      return c.json({ ...sandboxCursor.page(rows.slice(0, q.limit + 1), q.limit, (s) => [s.id]), pool: pool ? summary(pool) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: '/v1/admin/sandboxes/{id}',
      operationId: 'killSandbox',
      summary:
        'Kill a sandbox; a run it still serves is cancelled first, so it ends as cancelled rather than failing; a warm-pool one leaves the pool, which starts another',
      request: { params: z.object({ id: SandboxId }) },
      responses: { 200: jsonContent(SandboxKilled, 'Killed'), ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const target = (await described()).sandboxes.find((s) => s.id === id);
      if (!target) throw new RemitError('not_found', `No sandbox ${id}; \`remit sandbox list\` shows the live ones.`);
      const run = target.run?.status ? { id: target.run.id, status: target.run.status } : null;
      await deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, async (sql) => {
        if (run && !terminalRunStatuses.includes(run.status)) {
          // Cancelling wakes the run's worker, which ends the run as cancelled and destroys the sandbox too.
          const outcome = await requestCancel(sql, run.id);
          if (outcome.cancelledNow) await appendRunEvent(sql, run.id, 'status', { status: 'cancelled', reason: 'cancelled_by_user' });
          run.status = outcome.status;
        }
        await auditRequest(sql, c, {
          action: 'sandbox.kill',
          targetType: 'sandbox',
          targetId: id,
          outcome: 'success',
          detail: { kind: target.kind, runId: run?.id ?? null, pool: target.pool?.state ?? null },
        });
      });
      // A warm pool's destroy takes a waiting sandbox out of the pool first, and starts another.
      await deps.sandboxes.destroy(id);
      return c.json({ id, run, pool: target.pool }, 200);
    },
  );
}
