import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RemitStack } from './remit-stack.ts';

/**
 * The CDK app: one environment-agnostic stack (account and region come from the credentials
 * at deploy time, so `cdk synth` needs none), checked by cdk-nag's AwsSolutions pack during
 * synthesis. A finding that is not acknowledged (nag-acknowledgements.ts) fails the synth.
 */
/**
 * CDK feature flags the stack is written against, set here rather than in cdk.json so the
 * tests synthesize exactly what `cdk synth` does.
 */
const featureFlags = {
  // Grant S3 server access log delivery through the bucket policy, not an ACL (ACLs stay disabled).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  // Task ARNs in policies include the cluster name (the worker's grants are per cluster).
  '@aws-cdk/aws-ecs:arnFormatIncludesClusterName': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
};

export function createApp(props: { outdir?: string } = {}): { app: App; stack: RemitStack } {
  const app = new App({ outdir: props.outdir, context: featureFlags });
  const stack = new RemitStack(app, 'Remit', { description: 'Remit: role-scoped agent sandboxes (single tenant)' });
  applyNagChecks(app);
  return { app, stack };
}

/** cdk-nag's AwsSolutions pack as a CDK policy-validation plugin: an unacknowledged finding fails `app.synth()`. */
export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
