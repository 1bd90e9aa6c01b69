// The gate itself: the plugin the app installs must fail synthesis on a finding nobody
// acknowledged, or a green remit-stack.test.ts would mean nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyNagChecks } from '../../lib/app.ts';

const outdirs: string[] = [];

function appWithOpenBucket() {
  const outdir = mkdtempSync(join(tmpdir(), 'remit-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const bucket = new s3.Bucket(new Stack(app, 'Probe'), 'Open');
  applyNagChecks(app);
  return { app, bucket };
}

/** The synth error's text (the findings, one per rule), or undefined when it succeeded. */
function synthError(app: App): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Registers the checks of the gate; run in the same process as the stack's synthesis, so cdk-nag is loaded once. */
export function nagGateChecks(): void {
  describe('the cdk-nag gate', () => {
    afterEach(() => {
      for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    it('an unacknowledged AwsSolutions finding fails the synth', () => {
      const { app } = appWithOpenBucket();
      const error = synthError(app);
      expect(error).toContain("AwsSolutions-S1'"); // server access logs
      expect(error).toContain("AwsSolutions-S10'"); // TLS-only bucket policy
    });

    it('acknowledging one finding does not silence the others on the same construct', () => {
      const { app, bucket } = appWithOpenBucket();
      Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'probe' });
      const error = synthError(app);
      expect(error).not.toContain("AwsSolutions-S1'");
      expect(error).toContain("AwsSolutions-S10'");
    });
  });
}
