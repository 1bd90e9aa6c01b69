import { Validations } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { IConstruct } from 'constructs';
import type { ApiService } from './api-service.ts';
import type { Database } from './database.ts';
import type { SandboxTask } from './sandbox-task.ts';

interface Acknowledged {
  database: Database;
  sandbox: SandboxTask;
  api: ApiService;
}

const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });

/**
 * Every cdk-nag AwsSolutions finding the stack accepts, each on the one construct it concerns,
 * with the reason. Anything not here fails `cdk synth` and infra/test/remit-stack.test.ts.
 */
export function acknowledgeFindings({ database, sandbox, api }: Acknowledged): void {
  // ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*". CDK's
  // execution-role grants otherwise name the repository, log group and secrets.
  const executionRoles: ecs.TaskDefinition[] = [sandbox.taskDefinition, api.taskDefinition, api.migrations];
  for (const taskDefinition of executionRoles) {
    const role = taskDefinition.executionRole;
    if (role) ack(role, 'IAM5[Resource::*]', 'ecr:GetAuthorizationToken only, which IAM evaluates against "*"; every other statement names its resource');
  }

  const worker = api.taskRole;
  ack(worker, 'IAM5[Resource::*]', 'ecs:ListTasks only: it has no task resource to name, so it is scoped by the ecs:cluster condition to the sandbox cluster');
  ack(
    worker,
    'IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<SandboxCluster4D1D01C6>/*]',
    'Sandbox task ids are random and per run; the pattern is the sandbox cluster only, and StopTask/DescribeTasks also carry the ecs:cluster condition',
  );
  ack(
    worker,
    'IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:remit/store/*]',
    "The secret store creates one secret per connection at run time; the prefix is the store's own, and the database logins live outside it (remit-db/)",
  );
  ack(
    worker,
    'IAM5[Resource::<AuditCheckpoints71B9CCD4.Arn>/*]',
    'Checkpoint objects are named per export; the grant is put/get in that one bucket, and Object Lock forbids overwrite',
  );

  // The setting is a CloudFormation parameter (AllowedIngressCidr), which the rule cannot
  // evaluate. Its default admits anyone on 443 because GitHub delivers webhooks from the
  // internet; docs/deploy-aws.md says how to narrow it.
  ack(
    api.loadBalancerSecurityGroup,
    'EC23',
    'HTTPS only, from the AllowedIngressCidr parameter; TLS 1.3 listener and OIDC on every route but health and webhooks',
  );

  ack(
    api.taskDefinition,
    'ECS2',
    'Only non-secret settings (names of resources, the OIDC issuer, the model id); the database URL and the GitHub App key and webhook secret are ECS secrets from Secrets Manager',
  );
  ack(api.migrations, 'ECS2', 'Only the schema name and the OIDC issuer; DATABASE_URL and REMIT_DATABASE_APP_URL are ECS secrets from Secrets Manager');

  ack(
    database.cluster,
    'RDS6',
    'The app logs in with passwords from Secrets Manager over TLS (rds.force_ssl); IAM auth tokens expire every 15 minutes and need pool support in packages/db (follow-up)',
  );

  const rotation =
    'Not rotated automatically yet: a rotation Lambda would need its own network path to Secrets Manager and the database, and the URL secrets must follow the password (follow-up; see docs/deploy-aws.md for manual rotation)';
  // The owner's secret is the cluster's generated one (Cluster/Secret), acknowledged through the cluster.
  for (const secret of [database.cluster, database.appLogin, database.ownerUrl, database.appUrl]) ack(secret, 'SMG4', rotation);
}
