import type { CredentialBundle, ToolName } from '@remit/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ToolCallResult } from './agent-loop.ts';

/**
 * What the worker needs of the sandbox layer. The worker depends on this shape, not on a
 * driver, so the same code drives bubblewrap locally and Fargate on AWS.
 */
export interface SandboxSessionPort {
  readonly sandboxId: string;
  /** Milliseconds from create to the agent authenticated. */
  readonly readyMs: number;
  call(tool: ToolName, input: Record<string, unknown>, options: { signal?: AbortSignal }): Promise<ToolCallResult>;
  /** Destroys the sandbox; idempotent. */
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  runId: string;
  bundle: CredentialBundle;
  limits: { memoryMb: number; maxProcesses: number; cpuSeconds: number; wallSeconds: number };
  egress: (req: IncomingMessage, res: ServerResponse) => void;
  consumeBootstrapToken: (token: string) => Promise<boolean>;
  onEvent: (event: { type: string; [key: string]: unknown }) => void;
}

export interface SandboxPort {
  open(options: OpenSessionOptions): Promise<SandboxSessionPort>;
  list(): Promise<{ id: string; runId: string; alive: boolean }[]>;
  destroy(id: string): Promise<void>;
}
