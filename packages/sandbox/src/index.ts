export { bundleAgent } from './agent-bundle.ts';
export { BWRAP_ISOLATION_FLAGS } from './bwrap-args.ts';
export { createLocalDriver } from './local-driver.ts';
export type { SandboxDriver } from './sandbox-driver.ts';
export { openSandboxSession, type SandboxSession } from './sandbox-session.ts';
export { runThrowawaySandbox } from './throwaway-sandbox.ts';
export type { ToolCallResult } from './tool-call.ts';
