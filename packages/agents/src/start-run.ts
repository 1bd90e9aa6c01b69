import { appendAudit, RunAuditAction } from '@remit/audit';
import { RemitError, type RateLimits, type RunKind } from '@remit/core';
import { appendRunEvent, createRun, enforceRateLimits, findRole, fullBudgetScope, type Database, type RunRecord, type Sql } from '@remit/db';
import { runKindModule } from './kinds/index.ts';
import { roleDefinitionSha256 } from './role-definition-hash.ts';

/**
 * Who or what starts a run. Every trigger goes through startRun, so the HTTP route, the GitHub
 * webhook intake and the scheduler are thin callers with the same rules.
 * - user: someone calling the API, the CLI or the console, with the roles their identity holds;
 * - webhook: a delivery (a pull request) acting as the role its intake mapped the author to;
 * - schedule: a scheduled job acting as the role an admin chose for it.
 */
export type RunTrigger =
  | { type: 'user'; userId: string; roles: readonly string[]; role?: string | undefined; requestId?: string | undefined }
  | {
      type: 'webhook';
      source: 'github';
      deliveryId: string;
      userId: string | null;
      role: string;
      /** What the delivery is about (repository, pull request, head commit), kept on the run for its kind module. */
      subject: Record<string, unknown>;
    }
  | { type: 'schedule'; scheduleId: string; role: string };

interface StartRunRequest {
  kind: RunKind;
  input: string;
  trigger: RunTrigger;
  /** The new run's id, when the caller must name it first (see createRun). */
  runId?: string;
}

interface StartRunDeps {
  db: Database;
  orgId: string;
  rateLimits: RateLimits;
  now?: (() => Date) | undefined;
}

/**
 * Authorizes and queues one run in a single transaction: the role the trigger may act as, the
 * kind that role allows (and that this release can run), the burst limits, room in every capped
 * budget; then the run row, its `queued` event and its audit entry. Nothing is written when any
 * check refuses.
 */
export async function startRun(deps: StartRunDeps, request: StartRunRequest): Promise<RunRecord> {
  const userId = request.trigger.type === 'schedule' ? null : request.trigger.userId;
  return deps.db.tenant({ orgId: deps.orgId, userId }, (sql) => startRunIn(sql, deps, request));
}

/** startRun inside the caller's transaction: the webhook intake records its delivery and the run together. */
export async function startRunIn(sql: Sql, deps: Omit<StartRunDeps, 'db' | 'orgId'>, request: StartRunRequest): Promise<RunRecord> {
  const { trigger, kind } = request;
  const roleName = trigger.type === 'user' ? chooseRole(trigger.roles, trigger.role) : trigger.role;
  const userId = trigger.type === 'schedule' ? null : trigger.userId;
  const now = deps.now?.() ?? new Date();
  const role = await findRole(sql, { name: roleName });
  if (!role) throw new RemitError('role_not_held', `The role "${roleName}" no longer exists.`);
  if (!role.runKinds.includes(kind))
    throw new RemitError('kind_not_allowed', `The role "${roleName}" may start ${role.runKinds.join(', ')} runs, not ${kind}.`);
  const kindModule = runKindModule(kind);
  if (!kindModule) throw new RemitError('kind_not_available', `${kind} runs are not available in this release yet.`);
  kindModule.checkInput?.(request.input);
  await enforceRunLimits(sql, deps.rateLimits, role.id, userId, now);
  const full = await fullBudgetScope(sql, { roleId: role.id, userId }, now);
  if (full) throw new RemitError('budget_exhausted', `The ${full} budget for this month is used up; an admin can raise it.`);
  const run = await createRun(sql, {
    ...(request.runId ? { id: request.runId } : {}),
    kind,
    roleId: role.id,
    userId,
    trigger: triggerRecord(trigger),
    input: request.input,
    maxDurationSeconds: role.limits.maxDurationSeconds,
    maxSteps: role.limits.maxSteps,
  });
  await appendRunEvent(sql, run.id, 'status', { status: 'queued', role: roleName, kind });
  await appendAudit(sql, {
    actorId: userId,
    action: RunAuditAction.create,
    targetType: 'run',
    targetId: run.id,
    outcome: 'success',
    detail: { kind, role: roleName, roleDefinitionSha256: roleDefinitionSha256(role), trigger: trigger.type },
    requestId: trigger.type === 'user' ? (trigger.requestId ?? null) : null,
  });
  return run;
}

/** Which of a user's roles a new run uses; every refusal says what to do instead. */
export function chooseRole(roles: readonly string[], requested: string | undefined): string {
  if (requested) {
    if (!roles.includes(requested))
      throw new RemitError('role_not_held', `You do not hold the role "${requested}". Your roles: ${roles.join(', ') || 'none'}.`);
    return requested;
  }
  if (roles.length === 0) throw new RemitError('no_role', 'You hold no role; ask an admin to bind one to you or your group.');
  if (roles.length > 1) throw new RemitError('role_required', `You hold several roles (${roles.join(', ')}); say which one with "role".`);
  return roles[0]!;
}

async function enforceRunLimits(sql: Sql, limits: RateLimits, roleId: string, userId: string | null, now: Date): Promise<void> {
  const { runs } = limits;
  await enforceRateLimits(
    sql,
    [['runs:org', runs.org], [`runs:role:${roleId}`, runs.role], ...(userId ? [[`runs:user:${userId}`, runs.user] as const] : [])],
    now,
  );
}

/** What the run row keeps of its trigger: enough to trace it, nothing secret. */
function triggerRecord(trigger: RunTrigger): Record<string, unknown> {
  switch (trigger.type) {
    case 'user':
      return { type: 'user', userId: trigger.userId, ...(trigger.requestId ? { requestId: trigger.requestId } : {}) };
    case 'webhook':
      return { type: 'webhook', source: trigger.source, deliveryId: trigger.deliveryId, subject: trigger.subject };
    case 'schedule':
      return { type: 'schedule', scheduleId: trigger.scheduleId };
  }
}
