import { Cidr } from '@remit/core';
import { checkUrl, explainVerdict } from '@remit/egress';
import { CliError } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';

/** `remit egress check URL [--allow CIDR]…`: resolve and classify without connecting; exit 0 allowed, 3 blocked. */
export async function egressCheckCommand(url: string, opts: { allow?: string[] }): Promise<number> {
  const allowCidrs = opts.allow ?? [];
  for (const cidr of allowCidrs) if (!Cidr.safeParse(cidr).success) throw new CliError('usage', `--allow ${cidr}: expected a CIDR such as 10.20.0.0/16`);
  const verdict = await checkUrl(url, { allowCidrs });
  // The detail may quote the URL; JSON leaves DEL, C1 and bidi controls raw, and the escaped
  // line still parses to the same verdict.
  process.stdout.write(`${escapeForTerminal(JSON.stringify(explainVerdict(verdict)))}\n`);
  return verdict.allowed ? ExitCode.ok : ExitCode.blocked;
}
