import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../lib/app.ts';
import type { CfnTemplate } from './template-query.ts';

interface Violation {
  ruleName: string;
  violatingConstructs: { constructPath: string }[];
}
export interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: Violation[] }[];
}

/**
 * Synthesizes the real app exactly as `cdk synth` does, cdk-nag included, into a temporary
 * directory. A finding nobody acknowledged makes CDK throw; the error then lists each one.
 * About 20 s on a 2-CPU machine, so each test file calls it once, in beforeAll.
 */
export function synthesize(): { template: CfnTemplate; report: ValidationReport } {
  const outdir = mkdtempSync(join(tmpdir(), 'remit-cdk-'));
  const readReport = () => JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  try {
    const { app, stack } = createApp({ outdir });
    let assembly;
    try {
      assembly = app.synth();
    } catch (err) {
      const findings = readReport().pluginReports.flatMap((r) =>
        r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`)),
      );
      throw new Error(`synth failed: ${(err as Error).message}\n${findings.join('\n')}`, { cause: err });
    }
    return { template: assembly.getStackByName(stack.stackName).template as CfnTemplate, report: readReport() };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
