import { apiFromOptions } from '../api-client.ts';
import { applyPlatform, planJson, renderChange, renderSummary } from '../apply/apply-platform.ts';
import { loadPlatformFile } from '../apply/platform-file.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import type { ApplyOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

/** `remit apply -f FILE [--dry-run]`: makes roles, connections and bindings match the file; prints each change. */
export async function applyCommand(ctx: CommandContext, opts: ApplyOpts): Promise<number> {
  const platform = loadPlatformFile(opts.file);
  const client = await apiFromOptions(opts, ctx.config);
  const style = styleFor(process.stdout);
  const dryRun = opts.dryRun === true;
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const plan = await applyPlatform(client, platform, {
    dryRun,
    resendSecrets: opts.resendSecrets === true,
    env: process.env,
    // Each change is printed as it is made, so a failure part-way shows what already happened.
    ...(opts.json || dryRun ? {} : { onApplied: (change) => print(renderChange(change, style)) }),
  });
  if (opts.json) {
    print(escapeForTerminal(JSON.stringify(planJson(plan, dryRun))));
    return ExitCode.ok;
  }
  for (const change of plan.changes) if (dryRun || change.action === 'unchanged') print(renderChange(change, style));
  print(renderSummary(plan, { dryRun, source: platform.source }));
  return ExitCode.ok;
}
