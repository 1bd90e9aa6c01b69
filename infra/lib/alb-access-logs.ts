import { Aws, CfnCondition, CfnMapping, Fn, Stack } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ArnPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * ALB access logs for an environment-agnostic stack. CDK's `logAccessLogs` needs the region
 * at synth time, because regions opened before August 2022 deliver as a per-region ELB
 * account and later ones as the log-delivery service principal. Here the region is resolved
 * by CloudFormation: a mapping of the ELB accounts CDK knows, and the service principal for
 * the rest (where the mapping holds "" and the account statement names our own account,
 * which grants nothing beyond what IAM already does).
 */
export function logAlbAccessLogs(loadBalancer: elbv2.ApplicationLoadBalancer, bucket: s3.IBucket, prefix: string): void {
  const stack = Stack.of(loadBalancer);
  const accounts: Record<string, { account: string }> = {};
  for (const region of RegionInfo.regions) accounts[region.name] = { account: region.elbv2Account ?? '' };
  const mapping = new CfnMapping(stack, 'ElbLogDeliveryAccounts', { mapping: accounts });
  const elbAccount = mapping.findInMap(Aws.REGION, 'account');
  const hasAccount = new CfnCondition(stack, 'RegionHasElbLogDeliveryAccount', { expression: Fn.conditionNot(Fn.conditionEquals(elbAccount, '')) });
  const deliveryAccount = Fn.conditionIf(hasAccount.logicalId, elbAccount, Aws.ACCOUNT_ID).toString();

  const objects = bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`);
  bucket.addToResourcePolicy(
    new PolicyStatement({
      sid: 'ElbLogDeliveryAccount',
      principals: [new ArnPrincipal(`arn:${Aws.PARTITION}:iam::${deliveryAccount}:root`)],
      actions: ['s3:PutObject'],
      resources: [objects],
    }),
  );
  bucket.addToResourcePolicy(
    new PolicyStatement({
      sid: 'ElbLogDeliveryService',
      principals: [new ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [objects],
    }),
  );
  loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
  loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
  // ELB checks it can write when the attribute is set, so the policy must exist first.
  if (bucket.policy) loadBalancer.node.addDependency(bucket.policy);
}
