import { z } from 'zod';

// Only the fields intake reads are declared; GitHub adds fields often, so every object is
// loose (unknown keys pass through untouched) and nothing here rejects a payload for being new.

const id = z.number().int().nonnegative();

export const WebhookUser = z.looseObject({
  login: z.string().min(1),
  id,
  type: z.string(),
});

export const WebhookRepository = z.looseObject({
  id,
  name: z.string().min(1),
  full_name: z.string().min(1),
  owner: z.looseObject({ login: z.string().min(1) }),
});

const installation = z.looseObject({ id }).nullish();

/** Just enough to route a delivery: the action, when there is one. */
export const WebhookEnvelope = z.looseObject({ action: z.string().optional() });

export const PullRequestEvent = z.looseObject({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.looseObject({
    number: z.number().int().positive(),
    state: z.string(),
    draft: z.boolean().optional(),
    user: WebhookUser,
    head: z.looseObject({ sha: z.string().regex(/^[0-9a-f]{40}$/) }),
    base: z.looseObject({ sha: z.string().regex(/^[0-9a-f]{40}$/) }),
  }),
  repository: WebhookRepository,
  installation,
  sender: WebhookUser.optional(),
});
export type PullRequestEvent = z.infer<typeof PullRequestEvent>;

export const IssueCommentEvent = z.looseObject({
  action: z.string(),
  issue: z.looseObject({
    number: z.number().int().positive(),
    state: z.string(),
    user: WebhookUser,
    // Present (an object of URLs) only when the issue is a pull request.
    pull_request: z.looseObject({}).nullish(),
  }),
  comment: z.looseObject({
    id,
    body: z.string().nullable(),
    user: WebhookUser,
  }),
  repository: WebhookRepository,
  installation,
});
export type IssueCommentEvent = z.infer<typeof IssueCommentEvent>;
