import { readFile } from 'node:fs/promises';
import { parseCheckpointPublicKey, verifyAuditWithCheckpoint } from '@remit/audit';
import type { AuditVerifyResult } from '@remit/core';
import { auditCheckpointsFor } from '../../runtime/audit-checkpoints.ts';
import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { styleFor } from '../terminal-style.ts';

/**
 * Recomputes the audit hash chain and checks it against the newest signed checkpoint in the
 * configured sink; exit 0 when both verify, 1 when either does not. The checkpoints' key is the
 * secret store's, or `--public-key FILE` (SPKI PEM) to pin one kept elsewhere. `--json` prints
 * the result as the API does.
 */
export async function auditVerifyCommand(ctx: CommandContext, opts: { json?: boolean; publicKey?: string }): Promise<number> {
  const rt = await openRuntime(ctx.config, ctx.logger);
  try {
    const checkpoints = auditCheckpointsFor(rt);
    const publicKey = opts.publicKey ? parseCheckpointPublicKey(await readFile(opts.publicKey, 'utf8')) : (await checkpoints.key()).publicKey;
    const result = await verifyAuditWithCheckpoint(rt.db, rt.orgId, { sink: checkpoints.sink, publicKey });
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(describe(result));
    return result.ok ? ExitCode.ok : ExitCode.failed;
  } finally {
    await rt.close();
  }
}

/** The chain's line, then the checkpoint's: what was proven, and what was not. */
function describe(result: AuditVerifyResult): string {
  const style = styleFor();
  const lines = [
    result.firstBadSeq === null
      ? `${style.green('✓')} the audit chain is consistent (${result.checked} entries)`
      : `${style.red('✗')} the audit chain does not verify at entry ${result.firstBadSeq}: ${escapeForTerminal(result.reason ?? 'unknown reason')} (${result.checked} entries checked)`,
  ];
  const cp = result.checkpoint;
  if (cp?.status === 'verified') {
    lines.push(
      `${style.green('✓')} checkpoint ${cp.seq} (${cp.at}, ${cp.checkpoints} linked, key ${cp.keyId.slice(0, 16)}…, ${escapeForTerminal(cp.sink)}) matches: entries 1..${cp.seq} are exactly those signed; entries ${cp.seq! + 1}..${result.checked} are consistent but not yet checkpointed`,
    );
  } else if (cp?.status === 'none') {
    lines.push(
      `${style.yellow('!')} no signed checkpoint in ${escapeForTerminal(cp.sink)} yet: truncation or a rewrite of the whole chain would not be detected`,
    );
  } else if (cp) {
    lines.push(`${style.red('✗')} checkpoint check failed: ${escapeForTerminal(cp.reason ?? 'unknown reason')}`);
  }
  return `${lines.join('\n')}\n`;
}
