export { APP_ROLE, PgErrorCode, noTenant, pgErrorCode } from './sql.ts';
export type { Database, QueryResult, Sql, TenantContext } from './sql.ts';
export type { Notifications, RunChange } from './notifications.ts';
export { openDatabase, requestLoginUrl } from './open-database.ts';
export type { DatabaseSettings } from './open-database.ts';
export { openPgDatabase } from './pg-database.ts';
export { openPgliteDatabase } from './pglite-database.ts';
export { migrate } from './migrate.ts';
export type { MigrationReport } from './migrate.ts';
export { checkRls } from './rls-check.ts';
export type { RlsViolation } from './rls-check.ts';
export { RequestLoginProblem, checkRequestLogin } from './request-login-check.ts';
export type { RequestLoginFinding, RequestLoginReport } from './request-login-check.ts';
export { ensureOrg } from './orgs.ts';
export { roleNamesFor, upsertUser } from './users.ts';
export type { UserRecord } from './users.ts';
export { createRole, deleteRole, findRole, getRole, listRoles, updateRole } from './roles.ts';
export {
  createConnection,
  deleteConnection,
  getConnection,
  getConnectionRecord,
  listConnections,
  markConnectionVerified,
  newConnectionId,
  publicConnection,
  updateConnection,
} from './connections.ts';
export type { ConnectionRecord } from './connections.ts';
export { createBinding, deleteBinding, getBinding, listBindings, updateBinding } from './bindings.ts';
export { iso } from './row-mapping.ts';
export {
  activeStatuses,
  claimRuns,
  createRun,
  failExpiredLeases,
  findRun,
  finishRun,
  getRun,
  listRuns,
  renewLease,
  requestCancel,
  runStatuses,
  setRunStatus,
} from './runs.ts';
export type { RunRecord } from './runs.ts';
export { appendRunEvent, listRunEvents } from './run-events.ts';
export type { RunEventRecord } from './run-events.ts';
export { recordSandboxBootstrap } from './sandbox-bootstraps.ts';
export { bindOAuthState, createOAuthState, deleteOAuthGrants, deleteOAuthStates, findOAuthGrant, findOAuthState, takeOAuthState, upsertOAuthGrant } from './oauth.ts';
export type { OAuthGrantRecord, OAuthStateRecord } from './oauth.ts';
export { BudgetExhausted, deleteBudget, fullBudgetScope, listBudgets, periodStart, releaseStaleReservations, reserveModelCall, setBudget, settleModelCall } from './meter.ts';
export type { BudgetRow, BudgetScope, MeterScopes } from './meter.ts';
export { enforceRateLimits, takeToken } from './rate-buckets.ts';
export type { BucketLimit } from './rate-buckets.ts';
export { usageBy } from './usage.ts';
export type { UsageGroup, UsageRow } from './usage.ts';
