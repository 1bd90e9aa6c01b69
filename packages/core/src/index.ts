export { CodedError, type CodedErrorOptions } from './coded-error.ts';
export { ErrorCode, RemitError, isRemitError } from './errors.ts';
export { createScrubber, createSecretMatcher, scrubDeep, type SecretMatcher } from './secret-matcher.ts';
export { zodToRemitError } from './zod-to-remit-error.ts';
export { ConfigEnv, ConfigError, activeIssuer, consoleLoginMode, isLoopbackHost, parseConfig, type ConsoleLoginMode } from './config.ts';
export { retentionPeriods, type RetentionPeriods } from './config.ts';
export { childStartTicks, isProcessRunning, processStartTicks, thisProcess, type ProcessIdentity } from './process-identity.ts';
export { ApiError, Id, RunKind, Slug, Timestamp, looksLikeId, refFromSegment, type ResourceRef } from './schemas/common.ts';
export { Role, RoleCreate, RoleUpdate } from './schemas/role.ts';
export {
  AwsConnectionConfig,
  Cidr,
  Connection,
  ConnectionSecret,
  ConnectionCreate,
  ConnectionType,
  ConnectionUpdate,
  OAuthSettings,
  connectionConfigSchemas,
} from './schemas/connection.ts';
export { Binding, BindingCreate, BindingSubject, BindingUpdate } from './schemas/binding.ts';
export { AuditEntry, AuditListQuery, AuditOutcome, AuditPage, AuditVerifyResult } from './schemas/audit.ts';
export { AuditCheckpointCheck, AuditExportQuery } from './schemas/audit-checkpoint.ts';
export { Principal } from './schemas/principal.ts';
export {
  AgentMessage,
  CredentialBundle,
  ExecInput,
  ExecOutput,
  GitCheckoutInput,
  GitCheckoutOutput,
  GraphIndexInput,
  GraphIndexOutput,
  HttpInput,
  HttpOutput,
  OrchestratorMessage,
  ReadFileInput,
  ReadFileOutput,
  ToolErrorCode,
  type ToolInput,
  ToolName,
  toolInputSchemas,
  toolOutputSchemas,
} from './schemas/sandbox-protocol.ts';
export { Run, RunAccepted, RunCreate, RunListQuery, RunPage, RunStatus, terminalRunStatuses } from './schemas/run.ts';
export { Sandbox, SandboxKilled, SandboxPage, WarmPoolSummary } from './schemas/sandbox-admin.ts';
export { LegalHold, LegalHoldCreate, LegalHoldListQuery, LegalHoldPage } from './schemas/legal-hold.ts';
export {
  Finding,
  FindingDetail,
  FindingEvidence,
  FindingListQuery,
  FindingPage,
  FindingSeverity,
  FindingStatus,
  FindingStatusChange,
  InsightAnswer,
  InsightFocus,
  InsightJob,
  InsightJobCreate,
  InsightJobPage,
  InsightJobUpdate,
  findingTransitions,
} from './schemas/insight.ts';
export { GithubLink, GithubLinkPage, GithubLinkPut, PullRequestReview, PullRequestReviewPage, WebhookDelivery, WebhookDeliveryPage } from './schemas/github.ts';
export { page, pageQuery } from './schemas/page.ts';
export { AdminUser, AdminUserList, AdminUserQuery, UserPurgeCounts, UserPurged } from './schemas/user-purge.ts';
export { RunEvent, RunEventType, type RunEventData } from './schemas/run-events.ts';
export { HttpLimits, ModelPrices, RateLimits, costUsd, defaultHttpLimits, defaultModelPrices, defaultRateLimits, priceFor } from './limits.ts';
