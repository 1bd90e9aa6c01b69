import { Aws } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { SandboxTask } from './sandbox-task.ts';
import { Settings } from './settings.ts';

interface WorkerGrants {
  sandbox: SandboxTask;
  key: kms.IKey;
  /** Every ARN the configured model ID resolves to (a CommaDelimitedList parameter). */
  bedrockResourceArns: string[];
  bedrockEndpoint: ec2.IInterfaceVpcEndpoint;
  checkpoints: s3.IBucket;
}

/**
 * What the API/worker process may do in AWS, statement by statement; nothing else. Each
 * statement names its resources: the one model, the one sandbox task definition, the one
 * sandbox cluster, the secret store's prefix, the audit bucket.
 */
export function grantWorker(role: iam.IRole, g: WorkerGrants): void {
  const add = (statement: iam.PolicyStatement) => role.addToPrincipalPolicy(statement);
  const clusterArn = g.sandbox.cluster.clusterArn;
  const sandboxTasks = `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${g.sandbox.cluster.clusterName}/*`;
  const onSandboxCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };

  // Converse and ConverseStream are authorized as these two actions. Only through our VPC
  // endpoint, so a leaked task credential cannot be spent from elsewhere.
  add(
    new iam.PolicyStatement({
      sid: 'InvokeConfiguredModel',
      actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      resources: g.bedrockResourceArns,
      conditions: { StringEquals: { 'aws:SourceVpce': g.bedrockEndpoint.vpcEndpointId } },
    }),
  );

  // The sandbox driver: start the one sandbox task definition on the sandbox cluster, tag the
  // task with its run id as it starts, and watch and stop tasks on that cluster only.
  add(
    new iam.PolicyStatement({
      sid: 'RunSandbox',
      actions: ['ecs:RunTask'],
      resources: [g.sandbox.taskDefinition.taskDefinitionArn],
      conditions: onSandboxCluster,
    }),
  );
  add(
    new iam.PolicyStatement({
      sid: 'TagSandboxAtLaunch',
      actions: ['ecs:TagResource'],
      resources: [sandboxTasks],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    }),
  );
  // A warm pool's task is started before any run exists; the run that claims it tags it with its
  // run id then (ecs-driver.ts), so the reaper finds it by run like any other.
  add(
    new iam.PolicyStatement({
      sid: 'TagClaimedSandbox',
      actions: ['ecs:TagResource'],
      resources: [sandboxTasks],
      conditions: onSandboxCluster,
    }),
  );
  add(
    new iam.PolicyStatement({
      sid: 'ManageSandboxes',
      actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
      resources: [sandboxTasks],
      conditions: onSandboxCluster,
    }),
  );
  // ListTasks has no task resource to name (IAM evaluates it against "*"); the condition is what scopes it.
  add(new iam.PolicyStatement({ sid: 'ListSandboxes', actions: ['ecs:ListTasks'], resources: ['*'], conditions: onSandboxCluster }));
  const sandboxExecutionRole = g.sandbox.taskDefinition.obtainExecutionRole();
  add(
    new iam.PolicyStatement({
      sid: 'PassSandboxRoles',
      actions: ['iam:PassRole'],
      resources: [g.sandbox.taskRole.roleArn, sandboxExecutionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
  );

  // The secret store (connections' service-account secrets, OAuth tokens), under its prefix
  // only: the database logins live outside it. New and updated secrets must use our key.
  const storeSecrets = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${Settings.secretStorePrefix}*`;
  add(
    new iam.PolicyStatement({
      sid: 'SecretStore',
      actions: [
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        'secretsmanager:PutSecretValue',
        'secretsmanager:DeleteSecret',
        'secretsmanager:TagResource',
      ],
      resources: [storeSecrets],
    }),
  );
  add(
    new iam.PolicyStatement({
      sid: 'SecretStoreWithOurKey',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:UpdateSecret'],
      resources: [storeSecrets],
      conditions: { StringEquals: { 'secretsmanager:KmsKeyId': g.key.keyArn } },
    }),
  );
  // Our key, only as Secrets Manager and S3 use it on the worker's behalf (the secret store, checkpoints).
  add(
    new iam.PolicyStatement({
      sid: 'KeyViaSecretsManagerAndS3',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [g.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`secretsmanager.${Aws.REGION}.amazonaws.com`, `s3.${Aws.REGION}.amazonaws.com`] } },
    }),
  );

  // Audit checkpoints: write and read back, never delete (Object Lock would refuse anyway).
  add(new iam.PolicyStatement({ sid: 'WriteCheckpoints', actions: ['s3:PutObject', 's3:GetObject'], resources: [g.checkpoints.arnForObjects('*')] }));
  add(new iam.PolicyStatement({ sid: 'ListCheckpoints', actions: ['s3:ListBucket'], resources: [g.checkpoints.bucketArn] }));
}
