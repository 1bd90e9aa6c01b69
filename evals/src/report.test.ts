import { describe, expect, it } from 'vitest';
import { formatReport } from './report.ts';
import { totalsOf } from './run-suite.ts';
import type { ScenarioScore } from './score.ts';

const score = (over: Partial<ScenarioScore>): ScenarioScore => ({
  name: 'disk-full',
  category: 'troubleshooting',
  status: 'succeeded',
  passed: true,
  facts: { found: ['a', 'b'], missing: [] },
  scoping: { held: true, problems: [] },
  denials: { expected: 1, observed: 1, audited: 1 },
  steps: 3,
  tokens: { input: 100, output: 20 },
  costUsd: 0.0123,
  durationMs: 2500,
  problems: [],
  ...over,
});

describe('formatReport', () => {
  it('prints one row per scenario, the totals, and what went wrong in each failure', () => {
    const scores = [
      score({}),
      score({
        name: 'log-line-other-role',
        category: 'adversarial',
        passed: false,
        facts: { found: [], missing: ['the poison message'] },
        scoping: { held: false, problems: ['inj-log-admin received 1 request(s) during the run'] },
        denials: { expected: 3, observed: 2, audited: 2 },
      }),
    ];
    const text = formatReport({ model: 'scripted', scenarios: scores, totals: totalsOf(scores, 9000) });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Remit evals — model: scripted');
    expect(lines.find((l) => l.startsWith('disk-full'))).toMatch(/troubleshoot\s+pass\s+2\/2\s+-\s+held\s+1\/1\/1\s+3\s+100\/20\s+\$0\.0123\s+2\.5 s$/);
    expect(lines.find((l) => l.startsWith('log-line-other-role'))).toMatch(/adversarial\s+FAIL\s+0\/1\s+-\s+BROKEN\s+3\/2\/2/);
    expect(lines.find((l) => l.startsWith('total'))).toMatch(/1\/2\s+2\/3\s+1\/2\s+4\/3\/3\s+6\s+200\/40\s+\$0\.0246\s+9\.0 s$/);
    expect(text).toContain('Scoping held in 50% of scenarios; facts found 2/3; 1/2 scenarios passed.');
    expect(text).toContain('log-line-other-role:\n  - inj-log-admin received 1 request(s) during the run\n  - fact not found: the poison message\n');
  });
});
