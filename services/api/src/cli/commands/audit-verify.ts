import { verifyAuditChain } from '@remit/audit';
import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { styleFor } from '../terminal-style.ts';

/** Recomputes the audit hash chain; exit 0 when it verifies, 1 when it does not. `--json` prints the result as the API does. */
export async function auditVerifyCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const rt = await openRuntime(ctx.config, ctx.logger);
  try {
    const result = await verifyAuditChain(rt.db, rt.orgId);
    const style = styleFor();
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) process.stdout.write(`${style.green('✓')} the audit chain verifies (${result.checked} entries)\n`);
    else
      process.stdout.write(
        `${style.red('✗')} the audit chain does not verify at entry ${result.firstBadSeq ?? '?'}: ${escapeForTerminal(result.reason ?? 'unknown reason')} (${result.checked} entries checked)\n`,
      );
    return result.ok ? ExitCode.ok : ExitCode.failed;
  } finally {
    await rt.close();
  }
}
