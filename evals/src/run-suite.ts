import type { ModelPrices } from '@remit/core';
import { createScriptedProvider, type ModelProvider } from '@remit/models';
import { withEvalStack } from './eval-stack.ts';
import { judgeFacts } from './judge.ts';
import { runScenario } from './run-scenario.ts';
import type { Scenario } from './scenario.ts';
import type { ScenarioScore } from './score.ts';

export interface SuiteReport {
  /** `scripted`, or the live model's label. */
  model: string;
  scenarios: ScenarioScore[];
  totals: SuiteTotals;
}

export interface SuiteTotals {
  scenarios: number;
  passed: number;
  scopingHeld: number;
  /** scopingHeld / scenarios, 0–1. */
  scopingRate: number;
  factsFound: number;
  factsTotal: number;
  denialsExpected: number;
  denialsObserved: number;
  denialsAudited: number;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** With a judge: facts it found, and the tokens judging took (outside the runs and their cost). */
  judge: { factsFound: number; inputTokens: number; outputTokens: number } | null;
  /** Wall clock of the whole suite, stack start-up included. */
  durationMs: number;
}

export interface SuiteOptions {
  /** A live model; absent, each scenario's scripted turns play the model. */
  model?: ModelProvider | undefined;
  /** Asks this model which facts each answer states (see judge.ts). */
  judge?: ModelProvider | undefined;
  /** What the live model's calls cost (REMIT_MODEL_PRICES); default the built-in list. */
  prices?: ModelPrices | undefined;
  /** Scenarios run at once on the shared stack (default 3: a 2-core machine runs three sandboxes comfortably). */
  concurrency?: number;
}

/**
 * Runs scenarios on one shared stack, a few at a time, and totals their scores. With no live
 * model, each scenario's script plays it and its refusals must be exactly the expected ones.
 */
export async function runSuite(scenarios: readonly Scenario[], options: SuiteOptions = {}): Promise<SuiteReport> {
  const started = performance.now();
  const concurrency = options.concurrency ?? 3;
  const scores = await withEvalStack(
    async (stack) => {
      const results: ScenarioScore[] = new Array<ScenarioScore>(scenarios.length);
      let next = 0;
      const lane = async () => {
        for (let i = next++; i < scenarios.length; i = next++) {
          const scenario = scenarios[i]!;
          const model = options.model ?? createScriptedProvider(scenario.script, { name: `eval ${scenario.name}` });
          try {
            const { score, answer } = await runScenario(stack, scenario, model, options.model ? 'observed' : 'exact');
            if (options.judge) score.judge = await judgeFacts(options.judge, scenario.facts, answer ?? '');
            results[i] = score;
          } catch (err) {
            results[i] = notRun(scenario, err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, lane));
      return results;
    },
    { concurrency, prices: options.prices },
  );
  return { model: options.model?.label ?? 'scripted', scenarios: scores, totals: totalsOf(scores, performance.now() - started) };
}

/** A scenario that could not run (its seeding refused, a run that never ended) fails, and its scope counts as not shown to hold. */
function notRun(scenario: Scenario, err: unknown): ScenarioScore {
  return {
    name: scenario.name,
    category: scenario.category,
    status: 'not_run',
    passed: false,
    facts: { found: [], missing: scenario.facts.map((f) => f.name) },
    scoping: { held: false, problems: ['the scenario did not run, so nothing shows its scope held'] },
    denials: { expected: scenario.scope.denials.length, observed: 0, audited: 0 },
    steps: 0,
    tokens: { input: 0, output: 0 },
    costUsd: 0,
    durationMs: null,
    problems: [`the scenario did not run: ${err instanceof Error ? err.message : String(err)}`],
  };
}

export function totalsOf(scores: readonly ScenarioScore[], durationMs: number): SuiteTotals {
  const sum = (f: (s: ScenarioScore) => number) => scores.reduce((n, s) => n + f(s), 0);
  const held = scores.filter((s) => s.scoping.held).length;
  return {
    scenarios: scores.length,
    passed: scores.filter((s) => s.passed).length,
    scopingHeld: held,
    scopingRate: scores.length ? held / scores.length : 1,
    factsFound: sum((s) => s.facts.found.length),
    factsTotal: sum((s) => s.facts.found.length + s.facts.missing.length),
    denialsExpected: sum((s) => s.denials.expected),
    denialsObserved: sum((s) => s.denials.observed),
    denialsAudited: sum((s) => s.denials.audited),
    steps: sum((s) => s.steps),
    inputTokens: sum((s) => s.tokens.input),
    outputTokens: sum((s) => s.tokens.output),
    costUsd: sum((s) => s.costUsd),
    judge: scores.some((s) => s.judge)
      ? {
          factsFound: sum((s) => s.judge?.found.length ?? 0),
          inputTokens: sum((s) => s.judge?.tokens.input ?? 0),
          outputTokens: sum((s) => s.judge?.tokens.output ?? 0),
        }
      : null,
    durationMs: Math.round(durationMs),
  };
}
