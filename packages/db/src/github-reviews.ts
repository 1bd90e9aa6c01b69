import type { Sql } from './sql.ts';

/** What became of a webhook delivery, as admins see it. */
export interface WebhookDeliveryRecord {
  deliveryId: string;
  event: string;
  action: string | null;
  outcome: 'received' | 'queued' | 'skipped' | 'ignored';
  reason: string | null;
  repository: string | null;
  pullNumber: number | null;
  headSha: string | null;
  authorLogin: string | null;
  runId: string | null;
  receivedAt: string;
}

/**
 * Records a delivery and its payload by its id, before it is acknowledged. False when the id is
 * already recorded (a replay, or a copy racing this one): the caller acknowledges and stops.
 * The primary key serialises concurrent copies, so exactly one of them gets true.
 */
export async function recordWebhookDelivery(sql: Sql, delivery: { deliveryId: string; event: string; action: string | null; body: string }): Promise<boolean> {
  const res = await sql.query(
    `insert into webhook_deliveries (org_id, source, delivery_id, event, action, payload, outcome)
     values (remit_current_org(), 'github', $1, $2, $3, $4, 'received') on conflict do nothing returning 1`,
    [delivery.deliveryId, delivery.event, delivery.action, delivery.body],
  );
  return res.rows.length === 1;
}

/**
 * Takes the oldest delivery still to be processed, locked for this transaction: SKIP LOCKED lets
 * every process drain the inbox at once without taking the same one twice.
 */
export async function claimReceivedDelivery(sql: Sql): Promise<{ deliveryId: string; event: string; body: string } | undefined> {
  const res = await sql.query<{ deliveryId: string; event: string; body: string }>(
    `select delivery_id as "deliveryId", event, payload as body from webhook_deliveries
      where outcome = 'received' order by received_at limit 1 for update skip locked`,
  );
  return res.rows[0];
}

/** What the intake decided for a recorded delivery. */
export async function settleWebhookDelivery(
  sql: Sql,
  deliveryId: string,
  settled: {
    outcome: WebhookDeliveryRecord['outcome'];
    reason: string | null;
    repository?: string | null;
    pullNumber?: number | null;
    headSha?: string | null;
    authorLogin?: string | null;
    runId?: string | null;
  },
): Promise<void> {
  await sql.query(
    `update webhook_deliveries set outcome = $2, reason = $3, repository = $4, pull_number = $5, head_sha = $6, author_login = $7, run_id = $8,
            payload = null
      where source = 'github' and delivery_id = $1`,
    [
      deliveryId,
      settled.outcome,
      settled.reason,
      settled.repository ?? null,
      settled.pullNumber ?? null,
      settled.headSha ?? null,
      settled.authorLogin ?? null,
      settled.runId ?? null,
    ],
  );
}

/** Deliveries newest first, paged by (received_at, delivery_id). */
export async function listWebhookDeliveries(
  sql: Sql,
  page: { before?: { receivedAt: string; deliveryId: string }; limit: number },
): Promise<WebhookDeliveryRecord[]> {
  // receivedAt keeps the microseconds PostgreSQL stores: it is the cursor's position, and a
  // value cut to milliseconds sorts after every row of its own millisecond, so the next page
  // was empty whenever a page ended inside a burst of deliveries.
  const res = await sql.query<WebhookDeliveryRecord>(
    `select delivery_id as "deliveryId", event, action, outcome, reason, repository, pull_number as "pullNumber", head_sha as "headSha",
            author_login as "authorLogin", run_id as "runId",
            to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "receivedAt"
       from webhook_deliveries
      where $1::timestamptz is null or (received_at, delivery_id) < ($1::timestamptz, $2::text)
      order by received_at desc, delivery_id desc limit $3`,
    [page.before?.receivedAt ?? null, page.before?.deliveryId ?? null, page.limit],
  );
  return res.rows;
}

/** Who a GitHub account is in Remit, and the role their reviews run as when one is set. */
export interface GithubLinkRecord {
  githubId: number;
  githubLogin: string;
  userId: string;
  userEmail: string | null;
  userGroups: string[];
  role: string | null;
  linkedBy: 'oauth' | 'admin';
  createdAt: string;
}

const linkColumns = `l.github_id::float8 as "githubId", l.github_login as "githubLogin", l.user_id as "userId", u.email as "userEmail",
  u.groups as "userGroups", r.name as role, l.linked_by as "linkedBy", l.created_at as "createdAt"`;
const linkFrom = `github_links l join users u on u.id = l.user_id left join roles r on r.id = l.role_id`;

const toLink = (r: GithubLinkRecord & { createdAt: Date | string }): GithubLinkRecord => ({ ...r, createdAt: new Date(r.createdAt).toISOString() });

/** The link of a GitHub account, by its id (logins can be renamed; ids cannot). */
export async function findGithubLink(sql: Sql, githubId: number): Promise<GithubLinkRecord | undefined> {
  const res = await sql.query<GithubLinkRecord>(`select ${linkColumns} from ${linkFrom} where l.github_id = $1`, [githubId]);
  return res.rows[0] ? toLink(res.rows[0]) : undefined;
}

export async function listGithubLinks(sql: Sql, page: { afterGithubId?: number; limit: number }): Promise<GithubLinkRecord[]> {
  const res = await sql.query<GithubLinkRecord>(`select ${linkColumns} from ${linkFrom} where l.github_id > $1 order by l.github_id limit $2`, [
    page.afterGithubId ?? 0,
    page.limit,
  ]);
  return res.rows.map(toLink);
}

/** Links (or re-links) a GitHub account to a user; `roleId` null: the user's only review role. */
export async function upsertGithubLink(
  sql: Sql,
  link: { githubId: number; githubLogin: string; userId: string; roleId: string | null; linkedBy: 'oauth' | 'admin' },
): Promise<GithubLinkRecord> {
  await sql.query(
    `insert into github_links (org_id, github_id, github_login, user_id, role_id, linked_by) values (remit_current_org(), $1, $2, $3, $4, $5)
     on conflict (org_id, github_id) do update set github_login = excluded.github_login, user_id = excluded.user_id, role_id = excluded.role_id,
       linked_by = excluded.linked_by`,
    [link.githubId, link.githubLogin, link.userId, link.roleId, link.linkedBy],
  );
  return (await findGithubLink(sql, link.githubId))!;
}

export async function deleteGithubLink(sql: Sql, githubId: number): Promise<boolean> {
  const res = await sql.query(`delete from github_links where github_id = $1 returning 1`, [githubId]);
  return res.rows.length === 1;
}

/** A review's place in its one-per-(repository, pull request, head commit) row. */
export interface PullRequestReviewRecord {
  repositoryId: number;
  repository: string;
  pullNumber: number;
  headSha: string;
  installationId: number;
  runId: string;
  status: 'queued' | 'reviewing' | 'posted' | 'superseded' | 'failed' | 'skipped';
  detail: string | null;
  reviewId: number | null;
  reviewUrl: string | null;
  checkRunId: number | null;
}

const reviewColumns = `repository_id::float8 as "repositoryId", repository, pull_number as "pullNumber", head_sha as "headSha",
  installation_id::float8 as "installationId", run_id as "runId", status, detail, review_id::float8 as "reviewId", review_url as "reviewUrl",
  check_run_id::float8 as "checkRunId"`;

/**
 * Claims the one review of a head commit for `runId`. False when that commit already has one
 * (reviewed, or being reviewed): however many deliveries arrive, one run reviews a commit.
 */
export async function claimPullRequestReview(
  sql: Sql,
  claim: { repositoryId: number; repository: string; pullNumber: number; headSha: string; installationId: number; runId: string },
): Promise<boolean> {
  const res = await sql.query(
    `insert into pull_request_reviews (org_id, repository_id, repository, pull_number, head_sha, installation_id, run_id, status)
     values (remit_current_org(), $1, $2, $3, $4, $5, $6, 'queued') on conflict do nothing returning 1`,
    [claim.repositoryId, claim.repository, claim.pullNumber, claim.headSha, claim.installationId, claim.runId],
  );
  return res.rows.length === 1;
}

export async function findPullRequestReview(sql: Sql, runId: string): Promise<PullRequestReviewRecord | undefined> {
  const res = await sql.query<PullRequestReviewRecord>(`select ${reviewColumns} from pull_request_reviews where run_id = $1`, [runId]);
  return res.rows[0];
}

export async function listPullRequestReviews(
  sql: Sql,
  filter: { repository?: string; pullNumber?: number; limit: number },
): Promise<PullRequestReviewRecord[]> {
  const res = await sql.query<PullRequestReviewRecord>(
    `select ${reviewColumns} from pull_request_reviews
      where ($1::text is null or repository = $1) and ($2::int is null or pull_number = $2)
      order by created_at desc limit $3`,
    [filter.repository ?? null, filter.pullNumber ?? null, filter.limit],
  );
  return res.rows;
}

/** Moves a review along; fields left out keep their value. */
export async function updatePullRequestReview(
  sql: Sql,
  runId: string,
  update: { status: PullRequestReviewRecord['status']; detail?: string | null; reviewId?: number; reviewUrl?: string; checkRunId?: number },
): Promise<void> {
  await sql.query(
    `update pull_request_reviews set status = $2, detail = coalesce($3, detail), review_id = coalesce($4, review_id), review_url = coalesce($5, review_url),
            check_run_id = coalesce($6, check_run_id), updated_at = now()
      where run_id = $1`,
    [runId, update.status, update.detail ?? null, update.reviewId ?? null, update.reviewUrl ?? null, update.checkRunId ?? null],
  );
}
