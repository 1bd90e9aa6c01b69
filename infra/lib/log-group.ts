import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** A log group under the stack's key, kept 90 days (ARCHITECTURE.md invariant 8). */
export function encryptedLogGroup(scope: Construct, id: string, key: kms.IKey, logGroupName?: string): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName,
    encryptionKey: key,
    retention: logs.RetentionDays.THREE_MONTHS,
    // Logs outlive a mistaken `cdk destroy`: they are evidence for an incident review.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
