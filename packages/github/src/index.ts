export { GithubError, GithubErrorCode, isGithubError, type GithubErrorDetails } from './github-error.ts';
export { verifyWebhookSignature } from './webhook/verify-webhook-signature.ts';
export { decideIntake, type GithubActor, type IgnoreReason, type IntakeDecision, type ReviewTrigger, type SkipReason } from './webhook/decide-intake.ts';
export { IssueCommentEvent, PullRequestEvent } from './webhook/webhook-payloads.ts';
export { githubAppJwt } from './client/app-jwt.ts';
export {
  createGithubApp,
  POSTING_TOKEN_PERMISSIONS,
  SANDBOX_TOKEN_PERMISSIONS,
  type GithubApp,
  type GithubAppOptions,
  type InstallationPermissions,
  type InstallationToken,
  type InstallationTokenRequest,
  type PermissionLevel,
} from './client/github-app.ts';
export {
  createGithubClient,
  reviewMarker,
  type CheckRunConclusion,
  type CheckRunOutput,
  type CreateReviewInput,
  type GithubClient,
  type GithubClientOptions,
  type PostedReview,
  type PullRef,
  type PullRequest,
  type PullRequestDiff,
  type PullRequestFile,
  type RepoRef,
} from './client/github-client.ts';
export { type GithubConnection } from './client/octokit.ts';
export { type RetryOptions } from './client/retry.ts';
export { loadPullRequestDiff } from './client/load-pull-request-diff.ts';
export { type DiffFile, type DiffHunk, type DiffLine, type DiffSide } from './diff/diff-types.ts';
export { parsePatchHunks, parseUnifiedDiff } from './diff/parse-diff.ts';
export { renderDiffFile, utf8Bytes } from './diff/render-diff.ts';
export { classifyFile, type FileClass } from './diff/classify-file.ts';
export { packDiff, type NotReviewedFile, type NotReviewedReason, type PackedDiff } from './diff/pack-diff.ts';
export { modelReviewSchema, parseModelReview, type ModelReview, type ModelReviewComment, type ParsedModelReview } from './review/model-review.ts';
export { fitsOneHunk, MAX_INLINE_COMMENTS, neutralizeMentions, placeComments, type PlacedReview, type ReviewComment } from './review/place-comments.ts';
