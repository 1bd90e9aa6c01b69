export { bundleAgent } from './agent-bundle.ts';
export { BWRAP_ISOLATION_FLAGS } from './bwrap-args.ts';
export { createLocalDriver, type LocalDriver } from './local-driver.ts';
export type { LimitEnforcement } from './resource-limits.ts';
export type { SandboxDriver, SandboxInfo } from './sandbox-driver.ts';
export { SandboxError } from './sandbox-error.ts';
export { openSandboxSession, type SandboxSession } from './sandbox-session.ts';
export { runThrowawaySandbox } from './throwaway-sandbox.ts';
export type { ToolCallResult } from './tool-call.ts';
