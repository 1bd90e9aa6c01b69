import type { ExecInput, ExecOutput } from '@remit/core';
import { runProcess } from './run-process.ts';
import { toolEnvironment, type ToolContext } from './tool-context.ts';
import { resolveExisting } from './workdir-path.ts';

/** `exec`: argv run in the workdir with an empty environment; maxOutputBytes caps stdout and stderr each. */
export async function execTool(ctx: ToolContext, input: ExecInput): Promise<ExecOutput> {
  const cwd = resolveExisting(ctx.workdir, input.cwd ?? '.');
  const result = await runProcess({
    argv: input.command,
    cwd,
    env: toolEnvironment(ctx),
    stdin: input.stdin,
    timeoutMs: input.timeoutMs,
    maxOutputBytes: input.maxOutputBytes,
    slackBytes: ctx.scrubber.slackBytes,
    groups: ctx.groups,
  });
  const stdout = result.stdout.text(ctx.scrubber.scrub);
  const stderr = result.stderr.text(ctx.scrubber.scrub);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: stdout.text,
    stderr: stderr.text,
    truncated: stdout.truncated || stderr.truncated,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
  };
}
