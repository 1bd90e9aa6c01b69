import { Aspects, Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Port } from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ApiService } from './api-service.ts';
import { AuditStorage } from './audit-bucket.ts';
import { ClosedDefaultEgress } from './closed-egress.ts';
import { Database } from './database.ts';
import { encryptionKey } from './encryption-key.ts';
import { Network, SubnetGroup } from './network.ts';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { declareParameters } from './parameters.ts';
import { serviceEnvironment } from './service-environment.ts';
import { SandboxTask } from './sandbox-task.ts';
import { Settings } from './settings.ts';
import { grantWorker } from './worker-permissions.ts';

export interface RemitStackProps extends StackProps {
  /** Lower-case prefix of the few physical names the stack fixes (the Aurora cluster). Default `remit`. */
  name?: string;
}

/**
 * The single-tenant AWS stack (ARCHITECTURE.md "Configuration: one code path, two sets of
 * parts"). Construct ids below are a contract: renaming one replaces its resource.
 */
export class RemitStack extends Stack {
  constructor(scope: Construct, id: string, props: RemitStackProps = {}) {
    super(scope, id, props);
    const params = declareParameters(this);
    const key = encryptionKey(this, 'Key');
    const network = new Network(this, 'Network', { key });
    const audit = new AuditStorage(this, 'Audit', { key, retentionDays: params.auditRetentionDays });
    const database = new Database(this, 'Database', { vpc: network.vpc, key, name: props.name ?? 'remit' });

    const sandbox = new SandboxTask(this, 'Sandbox', {
      vpc: network.vpc,
      key,
      repository: ecr.Repository.fromRepositoryName(this, 'SandboxRepository', params.sandboxImageRepository.valueAsString),
      imageTag: params.sandboxImageTag.valueAsString,
      taskStartEndpoints: network.taskStartEndpointsSecurityGroup,
      s3PrefixListId: params.s3PrefixListId.valueAsString,
    });

    // Created by the operator before the first deploy: GitHub issues the App's private key only
    // after the App is registered, and the webhook secret is shared with GitHub (docs/deploy-aws.md).
    const gitHubApp = secretsmanager.Secret.fromSecretCompleteArn(this, 'GitHubApp', params.gitHubAppConfigArn.valueAsString);

    const environment = serviceEnvironment(params, {
      sandboxCluster: sandbox.cluster.clusterName,
      sandboxSubnets: network.vpc.selectSubnets({ subnetGroupName: SubnetGroup.sandboxes }).subnetIds,
      sandboxSecurityGroup: sandbox.securityGroup.securityGroupId,
      sandboxTaskDefinition: sandbox.taskDefinition.taskDefinitionArn,
      keyArn: key.keyArn,
      checkpointBucket: audit.checkpoints.bucketName,
    });
    const api = new ApiService(this, 'Api', {
      vpc: network.vpc,
      key,
      repository: ecr.Repository.fromRepositoryName(this, 'ApiRepository', params.apiImageRepository.valueAsString),
      imageTag: params.apiImageTag.valueAsString,
      environment,
      appUrl: database.appUrl,
      ownerUrl: database.ownerUrl,
      gitHubApp,
      certificateArn: params.certificateArn.valueAsString,
      desiredCount: params.serviceDesiredCount.valueAsNumber,
      allowedIngressCidr: params.allowedIngressCidr.valueAsString,
      accessLogs: audit.accessLogs,
    });

    // Who talks to whom. The sandbox's only application peer is the gateway port on the service.
    sandbox.allowGateway(api.securityGroup, Settings.sandboxGatewayPort);
    database.securityGroup.addIngressRule(api.securityGroup, Port.tcp(Settings.databasePort), 'PostgreSQL from the API/worker and migrations tasks');
    network.serviceEndpointsSecurityGroup.addIngressRule(api.securityGroup, Port.tcp(443), 'Bedrock, Secrets Manager, KMS, STS from the API/worker');
    network.taskStartEndpointsSecurityGroup.addIngressRule(api.securityGroup, Port.tcp(443), 'ECR and Logs from the API/worker tasks');

    grantWorker(api.taskRole, {
      sandbox,
      key,
      bedrockResourceArns: params.bedrockResourceArns.valueAsList,
      bedrockEndpoint: network.bedrockEndpoint,
      checkpoints: audit.checkpoints,
    });
    Aspects.of(this).add(new ClosedDefaultEgress());
    acknowledgeFindings({ database, sandbox, api });

    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('LoadBalancerDnsName', api.loadBalancer.loadBalancerDnsName, 'Point the PublicUrl DNS name here (CNAME or alias)');
    out('ServiceClusterName', api.cluster.clusterName, 'The cluster of the API/worker service and the migrations task');
    out('MigrationsTaskDefinitionArn', api.migrations.taskDefinitionArn, 'Run once per release: see docs/deploy-aws.md');
    out('ServiceSubnetIds', network.vpc.selectSubnets({ subnetGroupName: SubnetGroup.services }).subnetIds.join(','), 'Subnets for the migrations task');
    out('ServiceSecurityGroupId', api.securityGroup.securityGroupId, 'Security group for the migrations task');
    out('SandboxClusterName', sandbox.cluster.clusterName, 'Where sandbox tasks run');
    out('AuditCheckpointBucket', audit.checkpoints.bucketName, 'Object Lock (compliance) bucket of audit checkpoints');
    out('EncryptionKeyArn', key.keyArn, 'The customer-managed key everything at rest uses');
    out('Region', Aws.REGION, 'Where the stack runs');
  }
}
