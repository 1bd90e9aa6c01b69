import { randomUUID } from 'node:crypto';
import { appendAudit } from '@remit/audit';
import { isRemitError, type RateLimits } from '@remit/core';
import {
  claimPullRequestReview,
  claimReceivedDelivery,
  findGithubLink,
  findRole,
  recordWebhookDelivery,
  roleNamesFor,
  settleWebhookDelivery,
  type Database,
  type GithubLinkRecord,
  type Sql,
} from '@remit/db';
import { decideIntake, isGithubError, type ReviewTrigger } from '@remit/github';
import type { Logger } from 'pino';
import { startRunIn } from '../start-run.ts';
import type { ReviewSubject } from './review-subject.ts';

export interface GithubIntakeDeps {
  db: Database;
  orgId: string;
  rateLimits: RateLimits;
  /** The role an author with no Remit user is reviewed as; undefined: such pull requests are skipped. */
  fallbackRole?: string | undefined;
  now?: (() => Date) | undefined;
}

/** A verified delivery: its headers, its body as signed, and that body parsed. */
export interface GithubDelivery {
  deliveryId: string;
  event: string;
  body: string;
  payload: unknown;
}

export type IntakeOutcome = { outcome: 'queued'; runId: string } | { outcome: 'skipped' | 'ignored'; reason: string };

/**
 * Records one verified delivery, payload and all, by its delivery id: the only work done before
 * GitHub gets its answer, so the answer is fast and a crash after it loses nothing. A replay, or
 * a copy racing this one, finds the id taken: `duplicate`, and nothing more happens.
 */
export async function receiveGithubDelivery(deps: Pick<GithubIntakeDeps, 'db' | 'orgId'>, delivery: GithubDelivery): Promise<'received' | 'duplicate'> {
  const recorded = await deps.db.tenant({ orgId: deps.orgId, userId: null }, (sql) =>
    recordWebhookDelivery(sql, { deliveryId: delivery.deliveryId, event: delivery.event, action: actionOf(delivery.payload), body: delivery.body }),
  );
  return recorded ? 'received' : 'duplicate';
}

/**
 * Processes the oldest received delivery, in one transaction that holds it: decides what it asks
 * for, resolves the role the author's review runs as, claims the one review of that head commit
 * and queues the run through startRun. Nothing is done with GitHub here: the run does its work
 * later. A skip is recorded with its reason, visible to admins, and audited. Undefined when the
 * inbox is empty.
 */
export async function processGithubDelivery(deps: GithubIntakeDeps): Promise<IntakeOutcome | undefined> {
  return deps.db.tenant({ orgId: deps.orgId, userId: null }, async (sql) => {
    const delivery = await claimReceivedDelivery(sql);
    if (!delivery) return undefined;
    let decision;
    try {
      // The route parsed it before recording it, so this parse succeeds.
      decision = decideIntake(delivery.event, JSON.parse(delivery.body) as unknown);
    } catch (err) {
      if (!isGithubError(err)) throw err;
      return settle(sql, delivery, { outcome: 'ignored', reason: 'payload_invalid' });
    }
    if (decision.action === 'ignore') return settle(sql, delivery, { outcome: 'ignored', reason: decision.reason });
    if (decision.action === 'skip') return settle(sql, delivery, { outcome: 'skipped', reason: decision.reason }, decision.trigger);
    return queueReview(sql, deps, delivery, decision.trigger);
  });
}

/** Drains the inbox: woken when a delivery is recorded, and every `sweepMs` for any a crashed process left. */
export interface GithubInbox {
  wake(): void;
  /** Resolves once every delivery recorded so far has been processed (tests). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One delivery at a time, one transaction each: on embedded PGlite (one connection) an
 * acknowledgement then waits behind at most one delivery's processing, never behind a backlog.
 */
export function startGithubInbox(deps: GithubIntakeDeps & { logger: Logger; onRunQueued?: () => void }, options: { sweepMs?: number } = {}): GithubInbox {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const drain = async () => {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        let taken: IntakeOutcome | undefined;
        try {
          taken = await processGithubDelivery(deps);
        } catch (err) {
          deps.logger.error({ err }, 'webhook delivery not processed; it stays in the inbox for the next sweep');
          return;
        }
        if (!taken) break;
        if (taken.outcome === 'queued') deps.onRunQueued?.();
      }
    } while (again);
  };
  const wake = () => {
    if (running) {
      again = true;
      return;
    }
    running = drain().finally(() => (running = undefined));
  };
  const timer = setInterval(wake, options.sweepMs ?? 5000);
  timer.unref();
  wake();
  return {
    wake,
    async drained() {
      wake();
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

async function queueReview(sql: Sql, deps: GithubIntakeDeps, delivery: Pick<GithubDelivery, 'deliveryId'>, trigger: ReviewTrigger): Promise<IntakeOutcome> {
  if (trigger.requestedBy && !(await findGithubLink(sql, trigger.requestedBy.id))) {
    return settle(sql, delivery, { outcome: 'skipped', reason: 'requester_not_linked' }, trigger);
  }
  const reviewer = await reviewerFor(sql, deps, trigger);
  if ('skip' in reviewer) return settle(sql, delivery, { outcome: 'skipped', reason: reviewer.skip }, trigger);

  const runId = randomUUID();
  const subject: ReviewSubject = {
    repository: trigger.repository,
    installationId: trigger.installationId,
    pullNumber: trigger.pullNumber,
    ...(trigger.headSha ? { headSha: trigger.headSha } : {}),
    author: { login: trigger.author.login, id: trigger.author.id },
    ...(trigger.commentId ? { commentId: trigger.commentId } : {}),
  };
  // A savepoint, so a refusal (a role that may not review, a spent budget) or a commit already
  // reviewed leaves the delivery's record, and only that, to be written.
  await sql.query('savepoint review_intake');
  try {
    if (trigger.headSha) {
      const claimed = await claimPullRequestReview(sql, {
        repositoryId: trigger.repository.id,
        repository: trigger.repository.fullName,
        pullNumber: trigger.pullNumber,
        headSha: trigger.headSha,
        installationId: trigger.installationId,
        runId,
      });
      if (!claimed) {
        await sql.query('rollback to savepoint review_intake');
        return settle(sql, delivery, { outcome: 'skipped', reason: 'already_reviewed' }, trigger);
      }
    }
    await startRunIn(sql, deps, {
      runId,
      kind: 'review',
      input: `Review pull request ${trigger.repository.fullName}#${trigger.pullNumber}${trigger.headSha ? ` at ${trigger.headSha.slice(0, 12)}` : ''}`,
      trigger: { type: 'webhook', source: 'github', deliveryId: delivery.deliveryId, userId: reviewer.userId, role: reviewer.role, subject },
    });
  } catch (err) {
    if (!isRemitError(err)) throw err;
    await sql.query('rollback to savepoint review_intake');
    return settle(sql, delivery, { outcome: 'skipped', reason: err.code }, trigger);
  }
  await sql.query('release savepoint review_intake');
  await settleWebhookDelivery(sql, delivery.deliveryId, { outcome: 'queued', reason: null, ...subjectColumns(trigger), runId });
  return { outcome: 'queued', runId };
}

/**
 * The user and role a pull request's review runs as: its author's linked Remit user, with the
 * role the link names, else the one role of theirs that may start review runs. Several such
 * roles and no choice on the link is a skip an admin resolves (by setting the link's role), not
 * a guess. An author with no link is reviewed as the fallback role when one is configured.
 */
async function reviewerFor(sql: Sql, deps: GithubIntakeDeps, trigger: ReviewTrigger): Promise<{ userId: string | null; role: string } | { skip: string }> {
  const link = await findGithubLink(sql, trigger.author.id);
  if (!link) return deps.fallbackRole ? { userId: null, role: deps.fallbackRole } : { skip: 'author_not_linked' };
  const held = await reviewRolesOf(sql, link);
  if (link.role) return held.includes(link.role) ? { userId: link.userId, role: link.role } : { skip: 'linked_role_not_held' };
  if (held.length === 0) return { skip: 'no_review_role' };
  if (held.length > 1) return { skip: 'several_review_roles' };
  return { userId: link.userId, role: held[0]! };
}

/** The roles a linked user holds (from the groups they last signed in with) that may start review runs. */
async function reviewRolesOf(sql: Sql, link: GithubLinkRecord): Promise<string[]> {
  const names = await roleNamesFor(sql, { email: link.userEmail, groups: link.userGroups });
  const roles = await Promise.all(names.map((name) => findRole(sql, { name })));
  return roles.filter((r) => r?.runKinds.includes('review')).map((r) => r!.name);
}

async function settle(
  sql: Sql,
  delivery: Pick<GithubDelivery, 'deliveryId'>,
  settled: { outcome: 'skipped' | 'ignored'; reason: string },
  trigger?: ReviewTrigger,
): Promise<IntakeOutcome> {
  await settleWebhookDelivery(sql, delivery.deliveryId, { ...settled, ...(trigger ? subjectColumns(trigger) : {}) });
  if (settled.outcome === 'skipped') {
    await appendAudit(sql, {
      actorId: null,
      action: 'review.skipped',
      targetType: 'webhook_delivery',
      targetId: delivery.deliveryId,
      outcome: 'denied',
      detail: { reason: settled.reason, ...(trigger ? { repository: trigger.repository.fullName, pullNumber: trigger.pullNumber } : {}) },
    });
  }
  return settled;
}

const subjectColumns = (t: ReviewTrigger) => ({
  repository: t.repository.fullName,
  pullNumber: t.pullNumber,
  headSha: t.headSha ?? null,
  authorLogin: t.author.login,
});

/** The payload's `action`, for the record, whatever else it holds (it is not parsed yet). */
function actionOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || !('action' in payload)) return null;
  const action = (payload as { action: unknown }).action;
  return typeof action === 'string' ? action.slice(0, 64) : null;
}
