import { verifyAuditChain } from '@remit/audit';
import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';

/** Prints the verification result as JSON; exit 0 when the chain verifies, 1 when it does not. */
export async function auditVerifyCommand(ctx: CommandContext): Promise<number> {
  ctx.parse({});
  const rt = await openRuntime(ctx.config, ctx.logger);
  try {
    const result = await verifyAuditChain(rt.db, rt.orgId);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await rt.close();
  }
}
