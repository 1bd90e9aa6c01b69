import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exit-codes.ts';
import { runRemit } from '../testing.ts';

describe('bin/remit eval run', () => {
  // A whole process: the CLI, a fresh database, the API, a worker and a sandbox (48 s seen at
  // load average 16 on 2 cores).
  it('runs a scenario end to end and prints the report as JSON, exit 0 when it passed', async () => {
    const res = await runRemit(['eval', 'run', '--scenario', 'log-line-other-role', '--json']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(ExitCode.ok);
    const report = JSON.parse(res.stdout) as {
      model: string;
      scenarios: { name: string; passed: boolean; denials: unknown }[];
      totals: Record<string, number>;
    };
    expect(report.model).toBe('scripted');
    expect(report.scenarios).toMatchObject([{ name: 'log-line-other-role', passed: true, denials: { expected: 3, observed: 3, audited: 3 } }]);
    expect(report.totals).toMatchObject({ scenarios: 1, passed: 1, scopingRate: 1 });
  }, 300_000);

  it('refuses an unknown scenario, a judge without a live model, and a provider missing its settings, with exit 2', async () => {
    const unknown = await runRemit(['eval', 'run', '--scenario', 'no-such-scenario']);
    expect(unknown).toMatchObject({ status: ExitCode.usage, stdout: '' });
    expect(unknown.stderr).toMatch(/no scenario named no-such-scenario; the scenarios are: pool-saturation, .*budget-burn/);

    const judge = await runRemit(['eval', 'run', '--judge']);
    expect(judge).toMatchObject({ status: ExitCode.usage, stdout: '' });
    expect(judge.stderr).toContain('--judge needs a live model');

    // No region anywhere: the configuration check names the variable before anything starts.
    const bedrock = await runRemit(['eval', 'run', '--provider', 'bedrock']);
    expect(bedrock).toMatchObject({ status: ExitCode.usage, stdout: '' });
    expect(bedrock.stderr).toContain('REMIT_BEDROCK_REGION');

    const provider = await runRemit(['eval', 'run', '--provider', 'gpt']);
    expect(provider.status).toBe(ExitCode.usage);
    expect(provider.stderr).toContain('Allowed choices are scripted, bedrock, openai-compatible');
  }, 60_000);
});
