import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { encryptedLogGroup } from './log-group.ts';

interface SandboxTaskProps {
  vpc: ec2.IVpc;
  key: kms.IKey;
  repository: ecr.IRepository;
  imageTag: string;
  /** The security group of the endpoints a task needs to start (ECR, Logs). */
  taskStartEndpoints: ec2.ISecurityGroup;
  /** The region's S3 managed prefix list (com.amazonaws.REGION.s3): ECR image layers. */
  s3PrefixListId: string;
}

/** The uid:gid sandbox-image/Dockerfile creates; stated here too so a changed image cannot run as root. */
const SANDBOX_USER = '10001:10001';

/**
 * One task definition serves every role: a sandbox starts identity-less and learns what its
 * run may do only over its channel to the sandbox gateway. So the task role grants nothing,
 * the container has no environment and no secrets, the root filesystem is read-only (the
 * workdir and /tmp are task-local volumes on encrypted ephemeral storage), every Linux
 * capability is dropped, and the security group's only peers are the gateway and the
 * endpoints Fargate itself uses to pull the image and ship logs.
 */
export class SandboxTask extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly taskRole: iam.Role;

  constructor(scope: Construct, id: string, props: SandboxTaskProps) {
    super(scope, id);
    // A cluster of its own, so the worker's StopTask/DescribeTasks grant (conditioned on this
    // cluster) cannot reach the API's own tasks.
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      managedStorageConfiguration: { fargateEphemeralStorageKmsKey: props.key },
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Sandboxes: out to the sandbox gateway, ECR/Logs endpoints and ECR layers in S3; nothing in',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      props.taskStartEndpoints,
      ec2.Port.tcp(443),
      'ECR api/dkr and CloudWatch Logs interface endpoints (image pull, log driver)',
    );
    props.taskStartEndpoints.addIngressRule(this.securityGroup, ec2.Port.tcp(443), 'Sandbox tasks starting: image pull and logs');
    this.securityGroup.addEgressRule(ec2.Peer.prefixList(props.s3PrefixListId), ec2.Port.tcp(443), 'ECR image layers through the S3 gateway endpoint');

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Remit sandbox task role: grants nothing; a run receives its access over its channel only',
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: 'remit-sandbox',
      cpu: 1024,
      memoryLimitMiB: 2048,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      volumes: [{ name: 'work' }, { name: 'tmp' }],
    });
    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true });
    linuxParameters.dropCapabilities(ecs.Capability.ALL);
    const agent = this.taskDefinition.addContainer('agent', {
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      user: SANDBOX_USER,
      readonlyRootFilesystem: true,
      linuxParameters,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'sandbox', logGroup: encryptedLogGroup(this, 'Logs', props.key) }),
    });
    // Fargate copies the image's /work (owned by the sandbox user, mode 0700) into the empty volume.
    agent.addMountPoints({ sourceVolume: 'work', containerPath: '/work', readOnly: false }, { sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
  }

  /** Lets the sandbox security group dial the gateway port on the service's security group, and nothing else there. */
  allowGateway(service: ec2.ISecurityGroup, port: number): void {
    this.securityGroup.addEgressRule(service, ec2.Port.tcp(port), 'The sandbox gateway in the worker (TLS)');
    service.addIngressRule(this.securityGroup, ec2.Port.tcp(port), 'Sandboxes dialling the sandbox gateway');
  }
}
