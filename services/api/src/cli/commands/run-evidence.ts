import { writeFile } from 'node:fs/promises';
import { collectRunEvidence, EvidenceExportError } from '@remit/audit';
import { RemitError } from '@remit/core';
import { auditCheckpointsFor } from '../../runtime/audit-checkpoints.ts';
import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';

/**
 * Writes a run's evidence file (docs/audit-checkpoints.md, "Evidence per run") to `--output` or
 * stdout. Opens the data directory as `remit audit verify` does, so it needs the checkpoint key
 * from the secret store; when no checkpoint covers the run yet it writes one.
 */
export async function runEvidenceCommand(ctx: CommandContext, runId: string, opts: { output?: string }): Promise<number> {
  const rt = await openRuntime(ctx.config, ctx.logger);
  try {
    const checkpoints = auditCheckpointsFor(rt);
    const key = await checkpoints.key();
    const evidence = await collectRunEvidence(rt.db, rt.orgId, runId, { sink: checkpoints.sink, ...key }, checkpoints.now());
    const text = `${JSON.stringify(evidence, null, 2)}\n`;
    if (opts.output) {
      await writeFile(opts.output, text, { flag: 'wx', mode: 0o600 });
      process.stderr.write(
        `wrote ${escapeForTerminal(opts.output)}: ${evidence.entries.length} audit entries up to checkpoint ${evidence.checkpoint.checkpoint.seq}\n`,
      );
    } else process.stdout.write(text);
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof EvidenceExportError || err instanceof RemitError) {
      process.stderr.write(`remit: ${escapeForTerminal(err.message)}\n`);
      return ExitCode.failed;
    }
    throw err;
  } finally {
    await rt.close();
  }
}
