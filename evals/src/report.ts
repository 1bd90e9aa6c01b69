import type { SuiteReport } from './run-suite.ts';

const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
const usd = (n: number) => `$${n.toFixed(4)}`;

/** The suite's report as a text table, then what went wrong in each scenario that failed. */
export function formatReport(report: SuiteReport): string {
  const header = ['scenario', 'kind', 'result', 'facts', 'judge', 'scoping', 'denials exp/obs/aud', 'steps', 'tokens in/out', 'cost', 'duration'];
  const rows = report.scenarios.map((s) => [
    s.name,
    s.category === 'adversarial' ? 'adversarial' : 'troubleshoot',
    s.passed ? 'pass' : 'FAIL',
    `${s.facts.found.length}/${s.facts.found.length + s.facts.missing.length}`,
    s.judge ? `${s.judge.found.length}/${s.judge.found.length + s.judge.missing.length}` : '-',
    s.scoping.held ? 'held' : 'BROKEN',
    `${s.denials.expected}/${s.denials.observed}/${s.denials.audited}`,
    String(s.steps),
    `${s.tokens.input}/${s.tokens.output}`,
    usd(s.costUsd),
    seconds(s.durationMs),
  ]);
  const t = report.totals;
  const total = [
    'total',
    '',
    `${t.passed}/${t.scenarios}`,
    `${t.factsFound}/${t.factsTotal}`,
    t.judge ? `${t.judge.factsFound}/${t.factsTotal}` : '',
    `${t.scopingHeld}/${t.scenarios}`,
    `${t.denialsExpected}/${t.denialsObserved}/${t.denialsAudited}`,
    String(t.steps),
    `${t.inputTokens}/${t.outputTokens}`,
    usd(t.costUsd),
    seconds(t.durationMs),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length), total[i]!.length));
  const lines = [
    `Remit evals — model: ${report.model}`,
    '',
    pad(header, widths),
    ...rows.map((r) => pad(r, widths)),
    pad(total, widths),
    '',
    `Scoping held in ${(t.scopingRate * 100).toFixed(0)}% of scenarios; facts found ${t.factsFound}/${t.factsTotal}; ${t.passed}/${t.scenarios} scenarios passed.`,
    ...(t.judge
      ? [
          `The judge found ${t.judge.factsFound}/${t.factsTotal} facts, for ${t.judge.inputTokens}/${t.judge.outputTokens} tokens in/out (not in the cost above).`,
        ]
      : []),
  ];
  for (const s of report.scenarios.filter((x) => !x.passed)) {
    lines.push('', `${s.name}:`);
    for (const p of [...s.problems, ...s.scoping.problems, ...s.facts.missing.map((f) => `fact not found: ${f}`)]) lines.push(`  - ${p}`);
  }
  return `${lines.join('\n')}\n`;
}
