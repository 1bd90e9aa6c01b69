import { toolInputSchemas, toolOutputSchemas, type ToolErrorCode, type ToolName } from '@remit/core';
import type { z } from 'zod';

/** What a caller passes for a tool: its schema's input, before defaults (core's ToolInput is after them). */
export type ToolCallInput<T extends ToolName> = z.input<(typeof toolInputSchemas)[T]>;
type ToolOutput<T extends ToolName> = z.output<(typeof toolOutputSchemas)[T]>;

export type ToolCallResult<T extends ToolName = ToolName> =
  { ok: true; output: ToolOutput<T> } | { ok: false; error: { code: ToolErrorCode; message: string } };

export function toolFailure(code: ToolErrorCode, message: string): { ok: false; error: { code: ToolErrorCode; message: string } } {
  return { ok: false, error: { code, message } };
}

/** Time the agent gets beyond a tool's own timeout to report back. */
const REPORT_GRACE_MS = 5000;
/** read_file has no timeout of its own; git_checkout's is the agent's 300 s. */
const READ_FILE_TIMEOUT_MS = 30_000;
const GIT_CHECKOUT_TIMEOUT_MS = 300_000;

/** How long the orchestrator waits for a call, from the parsed input (defaults applied). */
export function callDeadlineMs(tool: ToolName, input: { timeoutMs?: unknown }): number {
  switch (tool) {
    case 'exec':
    case 'http':
    case 'graph_index':
      return Number(input.timeoutMs) + REPORT_GRACE_MS;
    case 'read_file':
      return READ_FILE_TIMEOUT_MS + REPORT_GRACE_MS;
    case 'git_checkout':
      return GIT_CHECKOUT_TIMEOUT_MS + REPORT_GRACE_MS;
  }
}
