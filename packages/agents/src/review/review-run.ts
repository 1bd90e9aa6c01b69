import {
  createGithubApp,
  createGithubClient,
  isGithubError,
  loadPullRequestDiff,
  packDiff,
  parseModelReview,
  placeComments,
  POSTING_TOKEN_PERMISSIONS,
  SANDBOX_TOKEN_PERMISSIONS,
  type CheckRunConclusion,
  type GithubClient,
  type NotReviewedFile,
  type PullRef,
} from '@remit/github';
import { claimPullRequestReview, updatePullRequestReview, type PullRequestReviewRecord } from '@remit/db';
import type { LoopOutcome } from '../agent-loop.ts';
import type { KindContext, PreparedRun } from '../kinds/run-kind.ts';
import { repairInput, reviewInput } from './review-prompt.ts';
import { ReviewResult } from './review-result.ts';
import { ReviewSubject } from './review-subject.ts';

const CHECK_NAME = 'Remit review';
/** The connection name the review's checkout uses inside the sandbox. */
const SOURCE = 'pull-request';
// Bytes of diff per token of context, conservatively (code tokenizes at ~3-4 bytes a token), and
// the share of the context the diff may take: the rest is the prompt, tool results and the answer.
const BYTES_PER_TOKEN = 3;
const DIFF_SHARE = 0.5;
const MAX_DIFF_BYTES = 400_000;

const ended = (status: LoopOutcome['status'], reason: string): { end: LoopOutcome } => ({ end: { status, reason, answer: null, steps: 0 } });

/**
 * A review's work outside the sandbox: the pull request read with the orchestrator's own
 * installation token (which never enters the sandbox or the model's input), a check run on the
 * head commit, the diff packed into the model's budget by bytes, and a second token narrowed to
 * the one repository with contents: read for the sandbox's checkout, which the egress proxy adds
 * to git's requests so that even it stays outside the sandbox. Settling validates the
 * model's review, re-reads the head (a push meanwhile supersedes the review instead of stamping
 * a commit nobody read), posts one review pinned to the commit that was checked out, and
 * completes the check run; a failure is a failing check, never a review that looks like a pass.
 */
export async function prepareReview(ctx: KindContext): Promise<PreparedRun<ReviewResult> | { end: LoopOutcome }> {
  const subject = ReviewSubject.safeParse((ctx.run.trigger as { subject?: unknown }).subject);
  if (!subject.success) return ended('failed', 'review_subject_invalid');
  if (!ctx.github) {
    await ctx.emit('error', { reason: 'github_not_configured', message: 'REMIT_GITHUB_APP_ID and its private key are not set on this worker.' });
    return ended('failed', 'github_not_configured');
  }
  const s = subject.data;
  const ref: PullRef = { owner: s.repository.owner, repo: s.repository.name, pullNumber: s.pullNumber };
  const github = ctx.github;
  const connection = { baseUrl: github.apiUrl, ...(github.fetch ? { fetch: github.fetch } : {}) };
  const retry = github.sleep ? { sleep: github.sleep } : {};
  const app = createGithubApp({ appId: github.appId, privateKey: github.privateKey, ...connection, retry });
  const mint = (permissions: typeof POSTING_TOKEN_PERMISSIONS | typeof SANDBOX_TOKEN_PERMISSIONS) =>
    app.createInstallationToken({ installationId: s.installationId, repositoryIds: [s.repository.id], permissions });

  let client: GithubClient;
  let checkRunId: number | undefined;
  const review = (update: Parameters<typeof updatePullRequestReview>[2]) => ctx.tenant((sql) => updatePullRequestReview(sql, ctx.run.id, update));
  const completeCheck = async (conclusion: CheckRunConclusion, title: string, summary: string) => {
    if (checkRunId === undefined) return;
    await client
      .updateCheckRun({ owner: ref.owner, repo: ref.repo, checkRunId, conclusion, output: { title, summary } })
      .catch((err: unknown) => ctx.log.error({ err }, 'check run not completed'));
  };

  try {
    const posting = await mint(POSTING_TOKEN_PERMISSIONS);
    client = createGithubClient({ token: posting.token, ...connection, retry });
    if (s.commentId) {
      await client.addReaction({ owner: ref.owner, repo: ref.repo, commentId: s.commentId, content: 'eyes' }).catch((err: unknown) => {
        ctx.log.warn({ err }, 'reaction to the review command not added');
      });
    }
    const pr = await client.getPullRequest(ref);
    const headSha = s.headSha ?? pr.headSha;
    if (!s.headSha) {
      // A command names no commit: the one review of the head it finds is claimed here.
      const claimed = await ctx.tenant((sql) =>
        claimPullRequestReview(sql, {
          repositoryId: s.repository.id,
          repository: s.repository.fullName,
          pullNumber: s.pullNumber,
          headSha,
          installationId: s.installationId,
          runId: ctx.run.id,
        }),
      );
      if (!claimed) return ended('cancelled', 'already_reviewed');
    }
    if (pr.headSha !== headSha) {
      await review({ status: 'superseded', detail: `head moved to ${pr.headSha} before the review started` });
      return ended('cancelled', 'superseded');
    }
    checkRunId = (
      await client.createCheckRun({
        owner: ref.owner,
        repo: ref.repo,
        name: CHECK_NAME,
        headSha,
        status: 'in_progress',
        externalId: ctx.run.id,
        output: { title: 'Reviewing', summary: `Remit is reviewing ${headSha.slice(0, 12)} as the author's role.` },
      })
    ).id;
    await review({ status: 'reviewing', checkRunId });

    const diff = await loadPullRequestDiff(client, ref);
    const budgetBytes = Math.min(MAX_DIFF_BYTES, Math.floor(ctx.contextWindowTokens * BYTES_PER_TOKEN * DIFF_SHARE));
    const packed = packDiff(diff.files, { budgetBytes });
    const sandboxToken = (await mint(SANDBOX_TOKEN_PERMISSIONS)).token;
    const input = reviewInput({ repository: s.repository.fullName, number: s.pullNumber, title: pr.title, headSha }, packed.text, packed.notReviewed);

    return {
      input,
      access: {
        connection: { name: SOURCE, type: 'github', description: `${s.repository.fullName}, read-only, for this review's checkout` },
        // The read-only token is added by the egress proxy, outside the sandbox, to git's fetches
        // of this one repository: not even the narrowed token is inside.
        egress: {
          name: SOURCE,
          baseUrl: github.gitUrl,
          allowCidrs: github.allowCidrs,
          headers: { authorization: `Basic ${Buffer.from(`x-access-token:${sandboxToken}`).toString('base64')}` },
        },
        // The posting token is never sent anywhere near the sandbox; scrubbing it too costs nothing.
        secretValues: [sandboxToken, posting.token],
      },
      async afterSandboxReady(call) {
        const checkout = await call('git_checkout', { connection: SOURCE, repository: s.repository.fullName, ref: headSha, dir: 'repo' });
        if (checkout.ok) return undefined;
        await ctx.emit('error', { reason: 'checkout_failed', message: `The head commit could not be checked out: ${checkout.error.message}` });
        return { status: 'failed', reason: 'checkout_failed', answer: null, steps: 0 };
      },
      async settle(outcome, ask) {
        return settleReview({ ctx, client, ref, headSha, notReviewed: packed.notReviewed, included: packed.included, review, completeCheck }, outcome, ask);
      },
    };
  } catch (err) {
    if (!isGithubError(err)) throw err;
    const reason = err.code;
    await ctx.emit('error', { reason, message: (err as Error).message });
    await review({ status: 'failed', detail: reason }).catch((lost: unknown) => ctx.log.warn({ err: lost }, 'review row not updated'));
    await completeCheck('failure', 'Review failed', `No review was posted: ${(err as Error).message}`);
    return ended('failed', reason);
  }
}

interface SettleParts {
  ctx: KindContext;
  client: GithubClient;
  ref: PullRef;
  headSha: string;
  included: Parameters<typeof placeComments>[1];
  notReviewed: readonly NotReviewedFile[];
  review: (update: { status: PullRequestReviewRecord['status']; detail?: string | null; reviewId?: number; reviewUrl?: string }) => Promise<void>;
  completeCheck: (conclusion: CheckRunConclusion, title: string, summary: string) => Promise<void>;
}

async function settleReview(
  p: SettleParts,
  outcome: LoopOutcome,
  ask: (input: string) => Promise<string | null>,
): Promise<{ outcome: LoopOutcome; result: ReviewResult | null }> {
  const fail = async (reason: string, summary: string, conclusion: CheckRunConclusion = 'failure') => {
    await p.review({ status: 'failed', detail: reason });
    await p.completeCheck(conclusion, conclusion === 'cancelled' ? 'Review cancelled' : 'Review failed', `No review was posted: ${summary}`);
    return { outcome: { ...outcome, status: outcome.status === 'succeeded' ? 'failed' : outcome.status, reason }, result: null } as const;
  };
  if (outcome.status !== 'succeeded' || outcome.answer === null) {
    return fail(
      outcome.reason ?? outcome.status,
      `the run ended as ${outcome.status} (${outcome.reason ?? 'no reason'}).`,
      outcome.status === 'cancelled' ? 'cancelled' : 'failure',
    );
  }
  let parsed = parseModelReview(outcome.answer);
  if (!parsed.ok) {
    const second = await ask(repairInput(outcome.answer, parsed.problem));
    parsed = second === null ? parsed : parseModelReview(second);
    if (!parsed.ok) return fail('review_output_invalid', `the model's review was not valid twice (${parsed.problem}).`);
  }
  const now = await p.client.getPullRequest(p.ref);
  if (now.headSha !== p.headSha) {
    await p.review({ status: 'superseded', detail: `head moved to ${now.headSha} during the review` });
    await p.completeCheck('neutral', 'Superseded', `A push moved the head to ${now.headSha.slice(0, 12)} during this review; that commit gets its own review.`);
    return { outcome: { ...outcome, reason: 'superseded' }, result: null };
  }
  const placed = placeComments(parsed.review, p.included, p.notReviewed);
  try {
    const posted = await p.client.createReview({ ...p.ref, commitId: p.headSha, body: placed.body, comments: placed.comments, event: 'COMMENT' });
    const url = `https://github.com/${p.ref.owner}/${p.ref.repo}/pull/${p.ref.pullNumber}#pullrequestreview-${posted.id}`;
    await p.review({ status: 'posted', reviewId: posted.id, reviewUrl: url, detail: null });
    const partial = p.notReviewed.length > 0;
    await p.completeCheck(
      partial ? 'neutral' : 'success',
      partial ? `Reviewed, except ${p.notReviewed.length} file(s)` : 'Reviewed',
      `${placed.comments.length} inline comment(s).${partial ? ` Not reviewed: ${p.notReviewed.map((f) => `${f.path} (${f.reason})`).join(', ')}.` : ''}`,
    );
    const result: ReviewResult = { reviewId: posted.id, commit: p.headSha, inlineComments: placed.comments.length, notReviewed: [...p.notReviewed] };
    return { outcome, result };
  } catch (err) {
    if (!isGithubError(err)) throw err;
    const message = err.details?.githubMessage ?? err.message;
    await p.ctx.emit('error', { reason: err.code, message: `GitHub refused the review: ${message}` });
    return fail(err.code === 'github_validation_failed' ? 'github_review_refused' : err.code, `GitHub refused it: ${message}`);
  }
}
