// The stack, synthesized once (cdk-nag included, ~20 s) and read by every check. The checks
// live in support/ by subject; one synthesis keeps the file under a minute on 2 CPUs.
import { beforeAll } from 'vitest';
import { dataProtectionChecks } from './support/data-protection-checks.ts';
import { nagGateChecks } from './support/nag-gate-checks.ts';
import { sandboxIsolationChecks } from './support/sandbox-isolation-checks.ts';
import { synthesize } from './support/synthesize.ts';

let synthesized: ReturnType<typeof synthesize> | undefined;
beforeAll(() => {
  synthesized = synthesize();
});
const result = () => {
  if (!synthesized) throw new Error('the stack did not synthesize');
  return synthesized;
};

sandboxIsolationChecks(() => result().template);
dataProtectionChecks(result);
nagGateChecks();
