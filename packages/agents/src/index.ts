export { runAgentLoop } from './agent-loop.ts';
export { buildToolCatalog } from './tool-catalog.ts';
export { reapSandboxes } from './maintenance.ts';
export { runRetentionPass, type RetentionCounts, type RetentionSettings } from './retention/retention-pass.ts';
export { startRunWorker } from './run-worker.ts';
export type { RunWorker, WorkerSettings } from './run-worker.ts';
export { createConnectionChecked, deleteConnectionChecked, updateConnectionChecked } from './connections/save-connection.ts';
export type { ConnectionServiceDeps } from './connections/save-connection.ts';
export { verifySavedConnection, type SavedVerification } from './connections/verify-saved-connection.ts';
export { completeAuthorization, confirmAuthorization, describeAuthorization, startAuthorization } from './connections/oauth-flow.ts';
export { startRun } from './start-run.ts';
export { createInsightJobChecked, runInsightJobNow, updateInsightJobChecked } from './insights/insight-jobs.ts';
export { fireDueInsightJobs } from './insights/insight-scheduler.ts';
export { insightInput } from './kinds/insight.ts';
export { purgeUser, type PurgeRequest, type PurgeUserDeps } from './purge-user.ts';
export { createModel, modelForRun } from './model-for-run.ts';
export {
  processGithubDelivery,
  receiveGithubDelivery,
  startGithubInbox,
  type GithubDelivery,
  type GithubInbox,
  type GithubIntakeDeps,
  type IntakeOutcome,
} from './review/github-intake.ts';
export { gitUrlOf, type GithubSettings } from './review/github-settings.ts';
export { openAuditCheckpoints, type AuditCheckpoints, type CheckpointSettings } from './audit-checkpoints/open-checkpoints.ts';
export { checkpointPublicKeyPem, loadOrCreateCheckpointKey } from './audit-checkpoints/checkpoint-key.ts';
export { s3CheckpointSink } from './audit-checkpoints/s3-checkpoint-sink.ts';
export { auditWrapKeyRef, openAuditPersonalKeyring } from './audit-personal-keyring.ts';
export { indexInSandbox, type IndexInSandboxRequest } from './graph/index-in-sandbox.ts';
export { GraphIndexError, type GraphIndexErrorCode } from './graph/graph-index-error.ts';
