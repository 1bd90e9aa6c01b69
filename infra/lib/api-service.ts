import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { logAlbAccessLogs } from './alb-access-logs.ts';
import { encryptedLogGroup } from './log-group.ts';
import { SubnetGroup } from './network.ts';
import { Settings } from './settings.ts';

interface ApiServiceProps {
  vpc: ec2.IVpc;
  key: kms.IKey;
  repository: ecr.IRepository;
  imageTag: string;
  environment: Record<string, string>;
  /** REMIT_DATABASE_APP_URL: the request login (remit_app). */
  appUrl: secretsmanager.ISecret;
  /** DATABASE_URL: the schema owner, for the migrations task only. */
  ownerUrl: secretsmanager.ISecret;
  /** The GitHub App: JSON with appId, privateKey and webhookSecret. */
  gitHubApp: secretsmanager.ISecret;
  certificateArn: string;
  desiredCount: number;
  allowedIngressCidr: string;
  accessLogs: s3.IBucket;
}

/**
 * The API and run worker (one process, `remit serve`) on Fargate behind an HTTPS-only ALB,
 * and the one-off migrations task. The service logs in as remit_app only; the schema owner's
 * URL is given to the migrations task definition alone.
 */
export class ApiService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly securityGroup: ec2.SecurityGroup;
  readonly taskRole: iam.Role;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly migrations: ecs.FargateTaskDefinition;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      managedStorageConfiguration: { fargateEphemeralStorageKmsKey: props.key },
    });
    // Outbound is open at the network layer: GitHub, the customer's APIs and IdP are on the
    // internet. What a request may reach is decided by the egress guard in the process.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'Remit API/worker tasks', allowAllOutbound: true });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Remit API/worker: Bedrock, the sandbox driver, the secret store, audit checkpoints',
    });
    const image = ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag);
    const logGroup = encryptedLogGroup(this, 'Logs', props.key);

    const taskDefinition = (this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: 'remit-api',
      cpu: 1024,
      memoryLimitMiB: 2048,
      taskRole: this.taskRole,
      volumes: [{ name: 'tmp' }],
    }));
    const api = taskDefinition.addContainer('api', {
      image,
      command: ['serve'],
      readonlyRootFilesystem: true,
      environment: props.environment,
      secrets: {
        REMIT_DATABASE_APP_URL: ecs.Secret.fromSecretsManager(props.appUrl),
        REMIT_GITHUB_APP_ID: ecs.Secret.fromSecretsManager(props.gitHubApp, 'appId'),
        REMIT_GITHUB_APP_PRIVATE_KEY: ecs.Secret.fromSecretsManager(props.gitHubApp, 'privateKey'),
        REMIT_GITHUB_WEBHOOK_SECRET: ecs.Secret.fromSecretsManager(props.gitHubApp, 'webhookSecret'),
      },
      portMappings: [
        { containerPort: Settings.apiPort, name: 'http' },
        { containerPort: Settings.sandboxGatewayPort, name: 'sandbox-gateway' },
      ],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api', logGroup }),
    });
    api.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: props.desiredCount,
      minHealthyPercent: 100,
      securityGroups: [this.securityGroup],
      vpcSubnets: { subnetGroupName: SubnetGroup.services },
      assignPublicIp: false,
      circuitBreaker: { rollback: true },
    });

    const albSecurityGroup = (this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Remit ALB: HTTPS in from AllowedIngressCidr, out to the API tasks',
      allowAllOutbound: false,
    }));
    albSecurityGroup.addIngressRule(ec2.Peer.ipv4(props.allowedIngressCidr), ec2.Port.tcp(443), 'HTTPS from AllowedIngressCidr');
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: SubnetGroup.public },
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
    });
    logAlbAccessLogs(this.loadBalancer, props.accessLogs, 'alb');
    const listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      // TLS 1.3, and TLS 1.2 with forward-secret AEAD ciphers only, for clients (GitHub's
      // webhook deliveries among them) that do not speak 1.3 yet.
      sslPolicy: elbv2.SslPolicy.TLS13_RES,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      open: false,
    });
    listener.addTargets('Api', {
      port: Settings.apiPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service.loadBalancerTarget({ containerName: 'api', containerPort: Settings.apiPort })],
      healthCheck: { path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });

    // Migrations: `remit migrate` as the schema owner, run once per release before the
    // service is updated (docs/deploy-aws.md). Its task role grants nothing either.
    this.migrations = new ecs.FargateTaskDefinition(this, 'MigrationsTaskDefinition', {
      family: 'remit-migrate',
      cpu: 512,
      memoryLimitMiB: 1024,
      taskRole: new iam.Role(this, 'MigrationsTaskRole', {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: 'Remit migrations: grants nothing; the database URLs come from ECS secrets',
      }),
      volumes: [{ name: 'tmp' }],
    });
    const migrate = this.migrations.addContainer('migrate', {
      image,
      command: ['migrate'],
      readonlyRootFilesystem: true,
      environment: {
        REMIT_DB_SCHEMA: 'remit',
        REMIT_OIDC_ISSUER: props.environment.REMIT_OIDC_ISSUER ?? '',
        REMIT_OIDC_JWKS_URL: props.environment.REMIT_OIDC_JWKS_URL ?? '',
      },
      secrets: {
        DATABASE_URL: ecs.Secret.fromSecretsManager(props.ownerUrl),
        REMIT_DATABASE_APP_URL: ecs.Secret.fromSecretsManager(props.appUrl),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'migrate', logGroup }),
    });
    migrate.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
  }
}
