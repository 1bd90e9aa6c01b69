import { Duration, RemovalPolicy, type CfnParameter } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

interface AuditStorageProps {
  key: kms.IKey;
  retentionDays: CfnParameter;
}

/**
 * Where audit checkpoints are exported, and where the load balancer and S3 write access logs.
 *
 * The checkpoint bucket uses Object Lock in COMPLIANCE mode: for the retention period no one,
 * the account root included, can delete or overwrite a checkpoint version, which is what makes
 * an exported hash-chain head evidence. It is versioned (Object Lock requires it), SSE-KMS under
 * the stack's key, TLS-only and never public.
 *
 * The access-log bucket is the one place storage is not under our key: ALB access logs and S3
 * server access logs can only be delivered to SSE-S3 buckets (AWS documents SSE-KMS as
 * unsupported for both). It holds request metadata, not data, and expires after 90 days.
 */
export class AuditStorage extends Construct {
  readonly checkpoints: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditStorageProps) {
    super(scope, id);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.checkpoints = new s3.Bucket(this, 'Checkpoints', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'checkpoints/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The retention is a deploy-time parameter, which the L2 prop (a Duration) cannot carry.
    const cfn = this.checkpoints.node.defaultChild as s3.CfnBucket;
    cfn.objectLockConfiguration = {
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', days: props.retentionDays.valueAsNumber } },
    };
  }
}
