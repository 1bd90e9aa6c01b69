import { toolInputSchemas, type ToolErrorCode, type ToolInput, type ToolName } from '@remit/core';
import { execTool } from './exec-tool.ts';
import { gitCheckoutTool } from './git-checkout-tool.ts';
import { graphIndexTool } from './graph-index-tool.ts';
import { httpTool } from './http-tool.ts';
import { readFileTool } from './read-file-tool.ts';
import { scrubDeep } from './scrubber.ts';
import { ToolFailure } from './tool-failure.ts';
import type { ToolContext } from './tool-context.ts';

export type ToolResult = { ok: true; output: Record<string, unknown> } | { ok: false; error: { code: ToolErrorCode; message: string } };

/** The protocol caps an error message at 4096 characters. */
const MAX_MESSAGE_CHARS = 4096;

/**
 * Validates `input` with the protocol's schema, runs the tool, and scrubs every string of the
 * outcome (outputs and error messages alike) of the bundle's secrets. Never throws.
 */
export async function runTool(ctx: ToolContext, tool: ToolName, input: unknown): Promise<ToolResult> {
  try {
    return { ok: true, output: scrubDeep(await dispatch(ctx, tool, input), ctx.scrubber.scrub) };
  } catch (err) {
    const failure = err instanceof ToolFailure ? err : new ToolFailure('failed', err instanceof Error ? err.message : String(err));
    return { ok: false, error: { code: failure.code, message: ctx.scrubber.scrub(failure.message).slice(0, MAX_MESSAGE_CHARS) } };
  }
}

async function dispatch(ctx: ToolContext, tool: ToolName, input: unknown): Promise<Record<string, unknown>> {
  switch (tool) {
    case 'exec':
      return execTool(ctx, parse(tool, input));
    case 'read_file':
      return readFileTool(ctx, parse(tool, input));
    case 'http':
      return httpTool(ctx, parse(tool, input));
    case 'git_checkout':
      return gitCheckoutTool(ctx, parse(tool, input));
    case 'graph_index':
      return graphIndexTool(ctx, parse(tool, input));
  }
}

function parse<T extends ToolName>(tool: T, input: unknown) {
  const parsed = toolInputSchemas[tool].safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
    throw new ToolFailure('invalid_input', `invalid ${tool} input: ${detail}`);
  }
  return parsed.data as ToolInput<T>;
}
