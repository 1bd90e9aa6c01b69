export { APP_ROLE, type Database, type Sql } from './sql.ts';
export { openDatabase } from './open-database.ts';
export { DatabaseError } from './database-error.ts';
export { advertiseDataDirServer, dataDirOwner, type DataDirOwner } from './data-dir-lock.ts';
export { migrate, pendingMigrations, setRequestLoginPassword } from './migrate.ts';
export { checkRls } from './rls-check.ts';
export { RequestLoginProblem, checkRequestLogin } from './request-login-check.ts';
export { allowOrgLookup, ensureOrg, findOrgId } from './orgs.ts';
export { findUserByEmail, roleNamesFor, upsertUser } from './users.ts';
export {
  clearUserRuns,
  clearUserWebhookDeliveries,
  countUnfinishedRuns,
  deleteUserBindings,
  deleteUserConsoleSessions,
  deleteUserGithubLinks,
  deleteUserOAuth,
  isUnderLegalHold,
  listUsersByEmail,
  lockPurgeTarget,
  tombstoneUser,
} from './user-purge.ts';
export type { PurgeTarget } from './user-purge.ts';
export { createConsoleLogin, createConsoleSession, deleteConsoleSession, findConsoleSession, takeConsoleLogin } from './console-sessions.ts';
export type { ConsoleSessionRecord } from './console-sessions.ts';
export {
  claimPullRequestReview,
  claimReceivedDelivery,
  deleteGithubLink,
  findGithubLink,
  findPullRequestReview,
  listGithubLinks,
  listPullRequestReviews,
  listWebhookDeliveries,
  recordWebhookDelivery,
  settleWebhookDelivery,
  updatePullRequestReview,
  upsertGithubLink,
} from './github-reviews.ts';
export type { GithubLinkRecord, PullRequestReviewRecord, WebhookDeliveryRecord } from './github-reviews.ts';
export { createRole, deleteRole, findRole, getRole, listRoles, updateRole } from './roles.ts';
export {
  createConnection,
  deleteConnection,
  getConnection,
  getConnectionRecord,
  listConnections,
  lockConnectionRecord,
  markConnectionsVerified,
  updateConnection,
} from './connections.ts';
export { bindingPosition, createBinding, deleteBinding, getBinding, listBindings, updateBinding } from './bindings.ts';
export type { BindingPosition } from './bindings.ts';
export {
  claimRuns,
  createRun,
  failExpiredLeases,
  finishRun,
  getRun,
  getRunView,
  listRuns,
  renewLease,
  requestCancel,
  runStatuses,
  setRunStatus,
} from './runs.ts';
export type { RunListOptions, RunRecord, RunView } from './runs.ts';
export { appendRunEvent, listRunEvents } from './run-events.ts';
export { recordSandboxBootstrap } from './sandbox-bootstraps.ts';
export {
  bindOAuthState,
  createOAuthState,
  deleteOAuthGrants,
  deleteOAuthStates,
  findOAuthGrant,
  findOAuthState,
  replaceOAuthGrant,
  takeOAuthState,
  upsertOAuthGrant,
} from './oauth.ts';
export { addSecretOrphans, adoptSecretOrphan, claimSecretOrphans, removeSecretOrphans } from './secret-orphans.ts';
export type { OAuthStateRecord } from './oauth.ts';
export { deleteBudget, fullBudgetScope, listBudgets, releaseStaleReservations, reserveModelCall, setBudget, settleModelCall } from './meter.ts';
export type { BudgetScope } from './meter.ts';
export { enforceRateLimits } from './rate-buckets.ts';
export type { BucketLimit } from './rate-buckets.ts';
export { usageBy } from './usage.ts';
export { clearModelCallUsers, clearWebhookDeliveries, deleteExpiredConsoleLogins, deleteExpiredConsoleSessions, purgeRunTranscripts } from './retention.ts';
export type { RetentionBatch } from './retention.ts';
export { createLegalHold, listLegalHolds, releaseLegalHold } from './legal-holds.ts';
export type { LegalHoldRecord } from './legal-holds.ts';
export {
  advanceInsightJob,
  claimDueInsightJobs,
  createInsightJob,
  deleteInsightJob,
  findInsightJob,
  getInsightJob,
  insightJobView,
  listInsightJobs,
  lockInsightJob,
  recordInsightFiring,
  settleInsightFiring,
  updateInsightJob,
} from './insight-jobs.ts';
export type { InsightJobRecord, InsightJobValues } from './insight-jobs.ts';
export { changeFindingStatus, getFinding, insertFindings, listFindings, toolCallEvents } from './insight-findings.ts';
export type { FindingFilters, NewFinding } from './insight-findings.ts';
export type { UsageGroup, UsageRow } from './usage.ts';
export { claimDueReindexes, graphFileHashes, GraphRepositoryTaken, loadGraphSnapshot, saveGraphSnapshot } from './graph.ts';
export type { DueReindex, SavedGraph } from './graph.ts';
export {
  findGraphRepository,
  findGraphSymbols,
  getGraphSymbol,
  graphCallees,
  graphCallers,
  graphOwnersOf,
  listGraphRepositories,
  moduleDependencies,
  serviceMap,
} from './graph-queries.ts';
export type {
  CallPosition,
  GraphCallRecord,
  GraphFactRecord,
  GraphImportRecord,
  GraphRepositoryRecord,
  GraphSymbolRecord,
  ModuleDependencies,
  ServiceMapRecord,
  SymbolSearch,
} from './graph-queries.ts';
export type { GraphScope } from './sql.ts';
