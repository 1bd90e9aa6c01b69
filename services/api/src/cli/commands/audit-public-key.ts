import { checkpointPublicKeyPem } from '@remit/agents';
import { checkpointKeyId } from '@remit/audit';
import { auditCheckpointsFor } from '../../runtime/audit-checkpoints.ts';
import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';

/**
 * Prints the audit checkpoints' Ed25519 public key as SPKI PEM (creating the key pair in the
 * secret store on first use), or with `--json` `{keyId, publicKeyPem}`. Give it to whoever
 * verifies checkpoints: tools/verify-checkpoint.mjs takes the PEM as it is printed.
 */
export async function auditPublicKeyCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const rt = await openRuntime(ctx.config, ctx.logger);
  try {
    const { publicKey } = await auditCheckpointsFor(rt).key();
    const pem = checkpointPublicKeyPem(publicKey);
    process.stdout.write(opts.json ? `${JSON.stringify({ keyId: checkpointKeyId(publicKey), publicKeyPem: pem })}\n` : pem);
    return ExitCode.ok;
  } finally {
    await rt.close();
  }
}
