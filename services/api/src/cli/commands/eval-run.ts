import { createModel } from '@remit/agents';
import { closeSharedTestDatabase } from '@remit/db/testing';
import type { ModelProvider } from '@remit/models';
// evals/ sits above the API (it drives the API, a worker and sandboxes, as the end-to-end tests
// do) and depends on it, so the API cannot depend on it in return: this command, loaded only
// when `remit eval run` runs, reaches it by path.
import { formatReport, runSuite, scenarios } from '../../../../../evals/src/index.ts';
import { loadConfigOrExit } from '../../config/load-config.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';

import type { EvalRunOpts } from '../program.ts';

const EVAL_PROVIDERS = ['scripted', 'bedrock', 'openai-compatible'] as const;

/**
 * `remit eval run`: the evaluation scenarios end to end on a throwaway stack (a fresh database,
 * the API, a worker, bubblewrap sandboxes; nothing of REMIT_DATA_DIR is touched), played by
 * each scenario's script or by the configured live model; prints the report. Exit 0 when every
 * scenario passed, 1 otherwise.
 */
export async function evalRunCommand(ctx: CommandContext, opts: EvalRunOpts): Promise<number> {
  const provider = EVAL_PROVIDERS.find((p) => p === opts.provider);
  if (!provider) throw new CliError('usage', `--provider ${opts.provider}: expected one of ${EVAL_PROVIDERS.join(', ')}`);
  const names = new Set(opts.scenario ?? []);
  const unknown = [...names].filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) throw new CliError('usage', `no scenario named ${unknown.join(', ')}; the scenarios are: ${scenarios.map((s) => s.name).join(', ')}`);
  if (opts.judge && provider === 'scripted') throw new CliError('usage', '--judge needs a live model: --provider bedrock or openai-compatible');
  const selected = names.size ? scenarios.filter((s) => names.has(s.name)) : scenarios;

  let model: ModelProvider | undefined;
  let prices = ctx.config.REMIT_MODEL_PRICES;
  if (provider !== 'scripted') {
    // The provider's own settings are checked as `remit serve` would check them with REMIT_MODEL_PROVIDER set so.
    const config = loadConfigOrExit({ ...process.env, REMIT_MODEL_PROVIDER: provider });
    model = createModel(config, provider);
    prices = config.REMIT_MODEL_PRICES;
  }
  if (!opts.json) process.stderr.write(`Running ${selected.length} scenario(s) with ${model?.label ?? 'their scripted turns (not a real model)'}…\n`);
  // The scenarios' stack runs on the test databases' in-memory PGlite, which must close for the process to exit.
  const report = await runSuite(selected, { model, judge: opts.judge ? model : undefined, prices }).finally(() => closeSharedTestDatabase());
  // Problems quote what the sandbox sent (a refused Host, say): escaped like everything else we print.
  process.stdout.write(escapeForTerminal(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report)));
  return report.totals.passed === report.totals.scenarios ? ExitCode.ok : ExitCode.failed;
}
