import { z } from 'zod';
import { GithubError } from '../github-error.ts';
import type { ReviewComment } from '../review/place-comments.ts';
import { createOctokit, requestSignal, type GithubConnection } from './octokit.ts';
import { withRetry, type RetryOptions } from './retry.ts';

export interface RepoRef {
  owner: string;
  repo: string;
}
export interface PullRef extends RepoRef {
  pullNumber: number;
}

const User = z.looseObject({ login: z.string(), id: z.number(), type: z.string() });

const PullRequestBody = z.looseObject({
  number: z.number(),
  state: z.string(),
  draft: z.boolean().optional(),
  title: z.string(),
  user: User,
  head: z.looseObject({ sha: z.string() }),
  base: z.looseObject({ sha: z.string() }),
  changed_files: z.number().optional(),
});

export interface PullRequest {
  number: number;
  state: string;
  draft: boolean;
  title: string;
  headSha: string;
  baseSha: string;
  author: { login: string; id: number; type: string };
  changedFiles?: number;
}

const PullRequestFileBody = z.looseObject({
  filename: z.string(),
  status: z.string(),
  previous_filename: z.string().optional(),
  additions: z.number(),
  deletions: z.number(),
  // Absent for binary files and for patches GitHub considers too large to show.
  patch: z.string().optional(),
});
export type PullRequestFile = z.infer<typeof PullRequestFileBody>;

export type PullRequestDiff = { kind: 'diff'; text: string } | { kind: 'too_large' };

export type CheckRunConclusion = 'success' | 'neutral' | 'failure' | 'skipped' | 'cancelled';
export interface CheckRunOutput {
  title: string;
  summary: string;
}

const Review = z.looseObject({ id: z.number(), commit_id: z.string().nullable().optional(), body: z.string().nullable().optional() });
export interface PostedReview {
  id: number;
  commitId: string;
}

export interface CreateReviewInput extends PullRef {
  commitId: string;
  body: string;
  comments: readonly ReviewComment[];
  event: 'COMMENT';
}

export interface GithubClientOptions extends GithubConnection {
  /** An installation token (`POSTING_TOKEN_PERMISSIONS` for everything here but the diff reads). */
  token: string;
  retry?: RetryOptions;
}

/** GitHub allows 100 per page; the files list stops at 3,000 files, i.e. 30 pages. */
const PER_PAGE = 100;
const MAX_FILE_PAGES = 30;

/** Every review we post carries this hidden marker, so a retry can tell whether a lost response had landed. */
export function reviewMarker(commitId: string): string {
  return `<!-- remit-review commit=${commitId} -->`;
}

/** A client for the pull request calls a review run makes, acting with one installation token. */
export function createGithubClient(options: GithubClientOptions) {
  const octokit = createOctokit(options.token, options);
  const retry = options.retry ?? {};
  const signal = () => ({ signal: requestSignal(options) });

  function parse<T>(schema: z.ZodType<T>, data: unknown): T {
    const result = schema.safeParse(data);
    if (!result.success) throw new GithubError('github_bad_response');
    return result.data;
  }

  async function findPostedReview(ref: PullRef, commitId: string): Promise<PostedReview | undefined> {
    const marker = reviewMarker(commitId);
    for (let page = 1; page <= MAX_FILE_PAGES; page++) {
      const response = await withRetry(
        () => octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...pullParams(ref), per_page: PER_PAGE, page, request: signal() }),
        retry,
      );
      const reviews = parse(z.array(Review), response.data);
      const found = reviews.find((review) => review.commit_id === commitId && (review.body ?? '').includes(marker));
      if (found) return { id: found.id, commitId };
      if (reviews.length < PER_PAGE) return undefined;
    }
    return undefined;
  }

  return {
    async getPullRequest(ref: PullRef): Promise<PullRequest> {
      const response = await withRetry(
        () => octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...pullParams(ref), request: signal() }),
        retry,
      );
      const pr = parse(PullRequestBody, response.data);
      return {
        number: pr.number,
        state: pr.state,
        draft: pr.draft ?? false,
        title: pr.title,
        headSha: pr.head.sha,
        baseSha: pr.base.sha,
        author: { login: pr.user.login, id: pr.user.id, type: pr.user.type },
        ...(pr.changed_files === undefined ? {} : { changedFiles: pr.changed_files }),
      };
    },

    /** All changed files, page by page (at most 3,000, GitHub's own limit). */
    async listPullRequestFiles(ref: PullRef): Promise<PullRequestFile[]> {
      const files: PullRequestFile[] = [];
      for (let page = 1; page <= MAX_FILE_PAGES; page++) {
        const response = await withRetry(
          () => octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...pullParams(ref), per_page: PER_PAGE, page, request: signal() }),
          retry,
        );
        const batch = parse(z.array(PullRequestFileBody), response.data);
        files.push(...batch);
        if (batch.length < PER_PAGE) break;
      }
      return files;
    },

    /**
     * The whole diff as text. GitHub refuses it above 300 files or 20,000 lines (406, or 422
     * with code `too_large`); that is an answer here, not an error: read the files list instead.
     */
    async getPullRequestDiff(ref: PullRef): Promise<PullRequestDiff> {
      try {
        const response = await withRetry(
          () => octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...pullParams(ref), mediaType: { format: 'diff' }, request: signal() }),
          retry,
        );
        if (typeof response.data !== 'string') throw new GithubError('github_bad_response');
        return { kind: 'diff', text: response.data };
      } catch (err) {
        if (isTooLarge(err)) return { kind: 'too_large' };
        throw err;
      }
    },

    async createCheckRun(
      input: RepoRef & { name: string; headSha: string; status?: 'queued' | 'in_progress'; externalId?: string; detailsUrl?: string; output?: CheckRunOutput },
    ) {
      const response = await withRetry(
        () =>
          octokit.request('POST /repos/{owner}/{repo}/check-runs', {
            owner: input.owner,
            repo: input.repo,
            name: input.name,
            head_sha: input.headSha,
            status: input.status ?? 'queued',
            ...(input.externalId ? { external_id: input.externalId } : {}),
            ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
            ...(input.output ? { output: input.output } : {}),
            request: signal(),
          }),
        retry,
      );
      return { id: parse(z.looseObject({ id: z.number() }), response.data).id };
    },

    /** Moves a check run on; `conclusion` completes it (GitHub then sets status `completed`). */
    async updateCheckRun(input: RepoRef & { checkRunId: number; status?: 'queued' | 'in_progress'; conclusion?: CheckRunConclusion; output?: CheckRunOutput }) {
      const response = await withRetry(
        () =>
          octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
            owner: input.owner,
            repo: input.repo,
            check_run_id: input.checkRunId,
            ...(input.conclusion ? { status: 'completed' as const, conclusion: input.conclusion } : input.status ? { status: input.status } : {}),
            ...(input.output ? { output: input.output } : {}),
            request: signal(),
          }),
        retry,
      );
      return { id: parse(z.looseObject({ id: z.number() }), response.data).id };
    },

    findPostedReview,

    /**
     * Posts one review. 5xx, 429 and secondary rate limits are retried; before a retry after a
     * 5xx we look for our marker, because GitHub may have stored the review and lost only the
     * answer, and a second identical review is what "exactly once" forbids. 422 is thrown as
     * `github_validation_failed` with GitHub's message.
     */
    async createReview(input: CreateReviewInput): Promise<PostedReview> {
      const body = `${input.body}\n\n${reviewMarker(input.commitId)}`;
      const post = async (): Promise<PostedReview> => {
        const response = await octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
          ...pullParams(input),
          commit_id: input.commitId,
          body,
          event: input.event,
          comments: input.comments.map((comment) => ({ ...comment })),
          request: signal(),
        });
        return { id: parse(Review, response.data).id, commitId: input.commitId };
      };
      return withRetry(post, retry, () => findPostedReview(input, input.commitId));
    },

    async addReaction(input: RepoRef & { commentId: number; content: 'eyes' | '+1' }): Promise<{ id: number }> {
      const response = await withRetry(
        () =>
          octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
            owner: input.owner,
            repo: input.repo,
            comment_id: input.commentId,
            content: input.content,
            request: signal(),
          }),
        retry,
      );
      return { id: parse(z.looseObject({ id: z.number() }), response.data).id };
    },
  };
}

export type GithubClient = ReturnType<typeof createGithubClient>;

function pullParams(ref: PullRef) {
  return { owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber };
}

function isTooLarge(err: unknown): boolean {
  if (!(err instanceof GithubError)) return false;
  if (err.details?.httpStatus === 406) return true;
  return err.details?.httpStatus === 422 && JSON.stringify(err.details.githubErrors ?? []).includes('too_large');
}
