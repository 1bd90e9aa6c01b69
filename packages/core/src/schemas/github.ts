import { z } from 'zod';
import { Slug, Timestamp } from './common.ts';
import { page } from './page.ts';

/** A GitHub account linked to a Remit user: reviews of that account's pull requests run as the user's role. */
export const GithubLink = z
  .object({
    githubId: z.int().positive(),
    githubLogin: z.string(),
    userId: z.uuid(),
    userEmail: z.string().nullable(),
    role: Slug.nullable().meta({ description: 'The role reviews run as; null: the user’s one role that may start review runs' }),
    linkedBy: z
      .enum(['oauth', 'admin'])
      .meta({ description: '`oauth`: the user connected GitHub and GitHub named the account (verified); `admin`: set by an admin' }),
    createdAt: Timestamp,
  })
  .meta({ id: 'GithubLink' });

export const GithubLinkPut = z
  .object({
    githubLogin: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'a GitHub login'),
    user: z.email().meta({ description: 'The Remit user’s email; they must have signed in once' }),
    role: Slug.nullable().optional(),
  })
  .strict()
  .meta({ id: 'GithubLinkPut' });

export const GithubLinkPage = page(GithubLink, 'GithubLinkPage');

/** A webhook delivery and what became of it. */
export const WebhookDelivery = z
  .object({
    deliveryId: z.string(),
    event: z.string(),
    action: z.string().nullable(),
    outcome: z.enum(['received', 'queued', 'skipped', 'ignored']).meta({ description: '`received`: recorded and acknowledged, not processed yet' }),
    reason: z.string().nullable().meta({ description: 'Why it was skipped or ignored: draft, bot_author, author_not_linked, already_reviewed, …' }),
    repository: z.string().nullable(),
    pullNumber: z.int().nullable(),
    headSha: z.string().nullable(),
    authorLogin: z.string().nullable(),
    runId: z.uuid().nullable(),
    receivedAt: Timestamp,
  })
  .meta({ id: 'WebhookDelivery' });
export const WebhookDeliveryPage = page(WebhookDelivery, 'WebhookDeliveryPage');

/** The one review of a pull request's head commit. */
export const PullRequestReview = z
  .object({
    repository: z.string(),
    pullNumber: z.int(),
    headSha: z.string(),
    runId: z.uuid(),
    status: z.enum(['queued', 'reviewing', 'posted', 'superseded', 'failed', 'skipped']),
    detail: z.string().nullable(),
    reviewUrl: z.string().nullable(),
  })
  .meta({ id: 'PullRequestReview' });
export const PullRequestReviewPage = page(PullRequestReview, 'PullRequestReviewPage');
