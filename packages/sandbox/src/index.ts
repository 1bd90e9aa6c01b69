export { bundleAgent, type AgentBundle, type BundleAgentOptions } from './agent-bundle.ts';
export type { BootstrapRefusal } from './bootstrap-gate.ts';
export { BWRAP_ISOLATION_FLAGS } from './bwrap-args.ts';
export type { CgroupMode } from './cgroups.ts';
export { denyAllEgress, type EgressHandler } from './egress-server.ts';
export { createLocalDriver, type LocalDriver, type LocalDriverOptions } from './local-driver.ts';
export type { LimitEnforcement } from './resource-limits.ts';
export {
  defaultSandboxLimits,
  resolveSandboxLimits,
  type SandboxDriver,
  type SandboxHandle,
  type SandboxInfo,
  type SandboxLimits,
  type SandboxSpec,
} from './sandbox-driver.ts';
export { SandboxError, SandboxErrorCode } from './sandbox-error.ts';
export { openSandboxSession, type CallOptions, type SandboxEvent, type SandboxSession, type SandboxSessionOptions } from './sandbox-session.ts';
export { runThrowawaySandbox, type ThrowawaySandboxOptions } from './throwaway-sandbox.ts';
export { toolOutputSchemas, type ToolCallResult, type ToolInput, type ToolOutput } from './tool-call.ts';
