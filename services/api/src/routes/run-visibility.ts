import { RemitError, type Run } from '@remit/core';
import { getRunView, type RunView, type Sql } from '@remit/db';
import type { Actor } from '../http/app-env.ts';

export function toRun(r: RunView): Run {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const answer = r.result && typeof r.result.answer === 'string' ? r.result.answer : null;
  const durationMs = r.startedAt && r.finishedAt ? Math.max(0, new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) : null;
  return {
    id: r.id,
    kind: r.kind,
    role: r.role,
    userId: r.userId,
    input: r.input,
    status: r.status,
    statusReason: r.statusReason,
    answer,
    steps: r.steps,
    limits: { maxDurationSeconds: r.maxDurationSeconds, maxSteps: r.maxSteps },
    userEmail: r.userEmail,
    model: r.model,
    usage: r.usage,
    createdAt: new Date(r.createdAt).toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    durationMs,
  };
}

/** A run the caller may see: their own, or any for an admin. Others' runs do not exist for them. */
export async function visibleRun(sql: Sql, actor: Actor, id: string): Promise<RunView> {
  const run = await getRunView(sql, id);
  if (!actor.isAdmin && run.userId !== actor.userId) throw new RemitError('not_found', `No run ${JSON.stringify(id)}.`);
  return run;
}
