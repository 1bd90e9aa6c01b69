// Secrets, storage, logs and TLS, checked as a reviewer would: every statement that could widen
// access, every resource that stores something, not one expected spelling.
import { describe, expect, it } from 'vitest';
import type { ValidationReport } from './synthesize.ts';
import {
  type CfnTemplate,
  containers,
  environmentOf,
  grantsOf,
  identityStatements,
  logicalIdOf,
  props,
  resourcesOfType,
  serviceContainer,
} from './template-query.ts';

let t: () => CfnTemplate;
let report: () => ValidationReport;

/** Registers the checks; `synthesized` is read when they run (after remit-stack.test.ts synthesized). */
export function dataProtectionChecks(synthesized: () => { template: CfnTemplate; report: ValidationReport }): void {
  t = () => synthesized().template;
  report = () => synthesized().report;
  describeChecks();
}

const storePrefix = /:secret:remit\/store\/\*"\]\]\}$/;

function describeChecks() {
  describe('cdk-nag', () => {
    it('AwsSolutions reports no finding that is not acknowledged in code', () => {
      expect(report().pluginReports.flatMap((r) => r.violations)).toEqual([]);
    });
  });

  describe('IAM', () => {
    it('nothing may read secrets on "*" or by pattern, except the secret store prefix; everything else is named', () => {
      // The stack's own secrets, and the GitHub App secret the operator names by its full ARN.
      const secrets = new Set([...resourcesOfType(t(), 'AWS::SecretsManager::Secret').map(([id]) => id), 'GitHubAppConfigArn']);
      const grants = grantsOf(identityStatements(t()), 'secretsmanager:GetSecretValue');
      expect(grants.length).toBeGreaterThan(0);
      for (const s of grants) {
        expect(s.notResources).toBe(false);
        for (const resource of s.resources) {
          const named = logicalIdOf(resource);
          if (named) expect(secrets).toContain(named);
          else expect(JSON.stringify(resource)).toMatch(storePrefix);
        }
      }
    });

    it('the service never holds the schema owner: no grant on the owner URL or the cluster secret outside the migrations', () => {
      const service = serviceContainer(t());
      const given = ((service.Secrets as { Name: string; ValueFrom: unknown }[]) ?? []).map((s) => s.Name);
      expect(given).not.toContain('DATABASE_URL');
      expect(environmentOf(service).has('DATABASE_URL')).toBe(false);
      expect(given).toContain('REMIT_DATABASE_APP_URL');
    });

    it('no task definition carries a database URL, password or token in plain environment', () => {
      for (const [id, r] of resourcesOfType(t(), 'AWS::ECS::TaskDefinition')) {
        for (const c of containers(r)) {
          for (const [name, value] of environmentOf(c)) {
            expect(name, id).not.toMatch(/DATABASE_URL|APP_URL|PASSWORD|WEBHOOK_SECRET|TOKEN|MASTER_KEY|API_KEY/);
            expect(JSON.stringify(value), `${id} ${name}`).not.toMatch(/resolve:secretsmanager|postgres(ql)?:\/\//);
          }
        }
      }
    });

    it('only ecr:GetAuthorizationToken and a cluster-conditioned ecs:ListTasks are granted on "*"', () => {
      const onStar = identityStatements(t()).filter((s) => s.effect === 'Allow' && (s.notResources || s.resources.includes('*')));
      for (const s of onStar) {
        expect(s.notActions).toBe(false);
        for (const action of s.actions) expect(['ecr:GetAuthorizationToken', 'ecs:ListTasks']).toContain(action);
        if (s.actions.includes('ecs:ListTasks')) expect(s.condition).toHaveProperty('ArnEquals.ecs:cluster');
      }
    });

    it('no statement grants a whole service or everything', () => {
      for (const s of identityStatements(t()).filter((x) => x.effect === 'Allow')) {
        expect(s.notActions).toBe(false);
        for (const action of s.actions) expect(action).not.toMatch(/^\*$|:\*$/);
      }
    });

    it('Bedrock may invoke only the configured model ARNs, through the VPC endpoint', () => {
      for (const action of ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:Converse']) {
        const grants = grantsOf(identityStatements(t()), action);
        // Converse and ConverseStream are authorized as InvokeModel and InvokeModelWithResponseStream.
        if (action === 'bedrock:Converse') {
          expect(grants).toEqual([]);
          continue;
        }
        expect(grants).toHaveLength(1);
        expect(grants[0]!.resources).toEqual([{ Ref: 'BedrockResourceArns' }]);
        expect(grants[0]!.condition).toHaveProperty(['StringEquals', 'aws:SourceVpce']);
      }
    });
  });

  describe('encryption at rest', () => {
    const stackKey = () => {
      const keys = resourcesOfType(t(), 'AWS::KMS::Key');
      expect(keys).toHaveLength(1);
      const [id, key] = keys[0]!;
      expect(props(key).EnableKeyRotation).toBe(true);
      return id;
    };

    it('Aurora: encrypted with the stack key, deletion protection, point-in-time recovery window', () => {
      const clusters = resourcesOfType(t(), 'AWS::RDS::DBCluster');
      expect(clusters).toHaveLength(1);
      const cluster = props(clusters[0]![1]);
      expect(cluster).toMatchObject({ StorageEncrypted: true, DeletionProtection: true });
      expect(logicalIdOf(cluster.KmsKeyId)).toBe(stackKey());
      expect(cluster.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
      expect(cluster.ServerlessV2ScalingConfiguration).toBeDefined();
    });

    it('every bucket is SSE-KMS under the stack key, except the access-log bucket AWS only delivers to as SSE-S3', () => {
      const lbAttributes = resourcesOfType(t(), 'AWS::ElasticLoadBalancingV2::LoadBalancer').flatMap(
        ([, r]) => props(r).LoadBalancerAttributes as { Key: string; Value: unknown }[],
      );
      const accessLogBucket = logicalIdOf(lbAttributes.find((a) => a.Key === 'access_logs.s3.bucket')?.Value);
      for (const [id, r] of resourcesOfType(t(), 'AWS::S3::Bucket')) {
        const [rule] = (props(r).BucketEncryption as { ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: Record<string, unknown> }[] })
          .ServerSideEncryptionConfiguration;
        const sse = rule!.ServerSideEncryptionByDefault;
        if (id === accessLogBucket) expect(sse).toEqual({ SSEAlgorithm: 'AES256' });
        else {
          expect(sse.SSEAlgorithm, id).toBe('aws:kms');
          expect(logicalIdOf(sse.KMSMasterKeyID), id).toBe(stackKey());
        }
        expect(props(r).PublicAccessBlockConfiguration, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
      }
    });

    it('every bucket policy refuses requests without TLS', () => {
      const buckets = resourcesOfType(t(), 'AWS::S3::Bucket').map(([id]) => id);
      const policies = resourcesOfType(t(), 'AWS::S3::BucketPolicy').map(([, r]) => props(r));
      for (const bucket of buckets) {
        const policy = policies.find((p) => logicalIdOf(p.Bucket) === bucket);
        const statements = (policy?.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)?.Statement ?? [];
        expect(
          statements.some((s) => s.Effect === 'Deny' && s.Principal && JSON.stringify(s.Condition).includes('"aws:SecureTransport":"false"')),
          bucket,
        ).toBe(true);
      }
    });

    it('the audit bucket is versioned, with Object Lock in COMPLIANCE mode by default', () => {
      const env = environmentOf(serviceContainer(t()));
      const bucket = t().Resources[logicalIdOf(env.get('REMIT_AUDIT_CHECKPOINT_BUCKET'))!]!;
      expect(props(bucket).VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(props(bucket).ObjectLockEnabled).toBe(true);
      expect(props(bucket).ObjectLockConfiguration).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: { Ref: 'AuditRetentionDays' } } },
      });
    });

    it('the worker may put and read checkpoints, and nothing in the stack may delete one', () => {
      const env = environmentOf(serviceContainer(t()));
      const bucket = logicalIdOf(env.get('REMIT_AUDIT_CHECKPOINT_BUCKET'))!;
      const statements = resourcesOfType(t(), 'AWS::IAM::Policy').flatMap(
        ([, r]) => (props(r).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      const write = statements.find((s) => s.Sid === 'WriteCheckpoints');
      expect([write?.Action].flat().sort()).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(JSON.stringify(write?.Resource)).toContain(bucket);
      for (const s of statements.filter((s) => JSON.stringify(s.Resource).includes(bucket))) {
        expect(
          [s.Action].flat().filter((a) => /^s3:(\*|Delete|PutObjectRetention|PutObjectLegalHold|BypassGovernance)/.test(String(a))),
          String(s.Sid),
        ).toEqual([]);
      }
    });

    it('every log group is kept 90 days under the stack key', () => {
      const groups = resourcesOfType(t(), 'AWS::Logs::LogGroup');
      expect(groups.length).toBeGreaterThanOrEqual(4);
      for (const [id, r] of groups) {
        expect(props(r).RetentionInDays, id).toBe(90);
        expect(logicalIdOf(props(r).KmsKeyId), id).toBe(stackKey());
      }
    });

    it('every secret, Performance Insights and Fargate ephemeral storage use the stack key', () => {
      for (const [id, r] of resourcesOfType(t(), 'AWS::SecretsManager::Secret')) expect(logicalIdOf(props(r).KmsKeyId), id).toBe(stackKey());
      for (const [id, r] of resourcesOfType(t(), 'AWS::RDS::DBInstance')) expect(logicalIdOf(props(r).PerformanceInsightsKMSKeyId), id).toBe(stackKey());
      for (const [id, r] of resourcesOfType(t(), 'AWS::ECS::Cluster')) {
        expect(
          logicalIdOf(
            (props(r).Configuration as { ManagedStorageConfiguration?: { FargateEphemeralStorageKmsKeyId?: unknown } })?.ManagedStorageConfiguration
              ?.FargateEphemeralStorageKmsKeyId,
          ),
          id,
        ).toBe(stackKey());
      }
    });
  });

  describe('TLS', () => {
    it('the load balancer listens only on HTTPS, with a TLS 1.3 policy', () => {
      const listeners = resourcesOfType(t(), 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => props(r));
      expect(listeners.length).toBeGreaterThan(0);
      for (const l of listeners) {
        expect(l.Protocol).toBe('HTTPS');
        expect(['ELBSecurityPolicy-TLS13-1-2-Res-2021-06', 'ELBSecurityPolicy-TLS13-1-3-2021-06']).toContain(l.SslPolicy);
        expect(l.Certificates).toEqual([{ CertificateArn: { Ref: 'CertificateArn' } }]);
      }
    });

    it('the database refuses connections without TLS', () => {
      const groups = resourcesOfType(t(), 'AWS::RDS::DBClusterParameterGroup');
      expect(groups).toHaveLength(1);
      expect(props(groups[0]![1]).Parameters).toHaveProperty(['rds.force_ssl'], '1');
    });
  });
}
