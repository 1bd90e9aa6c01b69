import type { z } from 'zod';
import { GithubError } from '../github-error.ts';
import { IssueCommentEvent, PullRequestEvent, WebhookEnvelope, WebhookRepository, WebhookUser } from './webhook-payloads.ts';

/** Who a trigger is about, as GitHub names them. */
export interface GithubActor {
  login: string;
  id: number;
  type: string;
}

/** What the review run needs from a delivery; for a command the head SHA must be fetched. */
export interface ReviewTrigger {
  deliveryKind: 'pull_request' | 'review_command';
  /** The webhook's `action` (`opened`, `synchronize`, … or `created` for a command). */
  action: string;
  repository: { id: number; owner: string; name: string; fullName: string };
  installationId: number;
  pullNumber: number;
  headSha?: string;
  baseSha?: string;
  /** The pull request's author: the review runs as their role. */
  author: GithubActor;
  /** Who asked with `/remit review`: the caller checks that they may. */
  requestedBy?: { login: string; id: number };
  /** The command comment, to react to. */
  commentId?: number;
}

export type SkipReason = 'draft' | 'bot_author' | 'closed';
export type IgnoreReason = 'event_not_handled' | 'action_not_handled' | 'not_a_pull_request' | 'not_a_command' | 'no_installation';

export type IntakeDecision =
  { action: 'review'; trigger: ReviewTrigger } | { action: 'skip'; reason: SkipReason; trigger?: ReviewTrigger } | { action: 'ignore'; reason: IgnoreReason };

const REVIEW_ACTIONS: ReadonlySet<string> = new Set(['opened', 'reopened', 'synchronize', 'ready_for_review']);

/** The command, alone on a line of the comment; case and surrounding spaces do not matter. */
const REVIEW_COMMAND = /^[ \t]*\/remit[ \t]+review[ \t]*$/im;

/**
 * Decides what a verified delivery asks for, from `X-GitHub-Event` and the parsed body.
 * Pure. Throws only GithubError `github_webhook_payload_invalid`, for a payload GitHub would
 * not send for that event; events and actions we do not handle are ignored without a full parse.
 */
export function decideIntake(eventName: string | undefined, payload: unknown): IntakeDecision {
  if (eventName !== 'pull_request' && eventName !== 'issue_comment') return { action: 'ignore', reason: 'event_not_handled' };
  const envelope = parse(WebhookEnvelope, payload);
  if (eventName === 'pull_request') {
    if (!envelope.action || !REVIEW_ACTIONS.has(envelope.action)) return { action: 'ignore', reason: 'action_not_handled' };
    return decidePullRequest(parse(PullRequestEvent, payload));
  }
  if (envelope.action !== 'created') return { action: 'ignore', reason: 'action_not_handled' };
  return decideComment(parse(IssueCommentEvent, payload));
}

function decidePullRequest(event: PullRequestEvent): IntakeDecision {
  if (!event.installation) return { action: 'ignore', reason: 'no_installation' };
  const pr = event.pull_request;
  const trigger: ReviewTrigger = {
    deliveryKind: 'pull_request',
    action: event.action,
    repository: repositoryOf(event.repository),
    installationId: event.installation.id,
    pullNumber: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    author: actorOf(pr.user),
  };
  if (isBot(pr.user)) return { action: 'skip', reason: 'bot_author', trigger };
  if (pr.draft === true) return { action: 'skip', reason: 'draft', trigger };
  if (pr.state !== 'open') return { action: 'skip', reason: 'closed', trigger };
  return { action: 'review', trigger };
}

function decideComment(event: IssueCommentEvent): IntakeDecision {
  if (!event.issue.pull_request) return { action: 'ignore', reason: 'not_a_pull_request' };
  if (!REVIEW_COMMAND.test(event.comment.body ?? '')) return { action: 'ignore', reason: 'not_a_command' };
  if (!event.installation) return { action: 'ignore', reason: 'no_installation' };
  const trigger: ReviewTrigger = {
    deliveryKind: 'review_command',
    action: event.action,
    repository: repositoryOf(event.repository),
    installationId: event.installation.id,
    pullNumber: event.issue.number,
    author: actorOf(event.issue.user),
    requestedBy: { login: event.comment.user.login, id: event.comment.user.id },
    commentId: event.comment.id,
  };
  // A bot's comment never triggers a review: our own bot quoting the command in a reply must
  // not start a loop. An explicit request reviews a draft, the person asked for it.
  if (isBot(event.comment.user) || isBot(event.issue.user)) return { action: 'skip', reason: 'bot_author', trigger };
  if (event.issue.state !== 'open') return { action: 'skip', reason: 'closed', trigger };
  return { action: 'review', trigger };
}

function isBot(user: z.infer<typeof WebhookUser>): boolean {
  return user.type === 'Bot' || user.login.endsWith('[bot]');
}

function actorOf(user: z.infer<typeof WebhookUser>): GithubActor {
  return { login: user.login, id: user.id, type: user.type };
}

function repositoryOf(repo: z.infer<typeof WebhookRepository>): ReviewTrigger['repository'] {
  return { id: repo.id, owner: repo.owner.login, name: repo.name, fullName: repo.full_name };
}

function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  // Paths only: a value from the payload could be anything an attacker with a valid signature chose.
  const issues = result.error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
  throw new GithubError('github_webhook_payload_invalid', undefined, { details: { issues } });
}
