import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { encryptedLogGroup } from './log-group.ts';

/** Subnet group names; the sandbox driver reads the sandbox subnets from REMIT_ECS_SUBNETS. */
export const SubnetGroup = { public: 'Public', services: 'Services', sandboxes: 'Sandboxes', data: 'Data' } as const;

interface NetworkProps {
  key: kms.IKey;
}

/**
 * The VPC. Services sit in private subnets with a NAT route (GitHub, the customer's APIs, the
 * OIDC provider's JWKS). Sandboxes sit in ISOLATED subnets: no NAT, no internet gateway, so
 * their only peers are what the sandbox security group admits — the gateway in the worker and
 * the endpoints Fargate needs to pull the image and ship logs. The database has its own
 * isolated subnets.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Interface endpoints the SERVICES use (Bedrock, Secrets Manager, KMS, STS). Sandboxes are not admitted. */
  readonly serviceEndpointsSecurityGroup: ec2.SecurityGroup;
  /**
   * Interface endpoints a Fargate task needs to start: ECR (api, dkr) and CloudWatch Logs.
   * Sandboxes and services are admitted; nothing else is reachable through them without an
   * identity, and a sandbox task has none (its task role grants nothing).
   */
  readonly taskStartEndpointsSecurityGroup: ec2.SecurityGroup;
  readonly bedrockEndpoint: ec2.InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 2,
      // Nothing is ever placed in the default security group; restricting it needs a
      // custom-resource Lambda, which would be the only Lambda in the stack.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: SubnetGroup.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: SubnetGroup.services, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: SubnetGroup.sandboxes, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
        { name: SubnetGroup.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        // ECR keeps image layers in S3; isolated subnets reach them only through this endpoint.
        // Only the sandbox subnets use it: its policy admits nothing but ECR's layers, and the
        // worker reaches S3 for more than that (audit checkpoints, runs' `aws` connections),
        // through NAT, under its IAM policy.
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [{ subnetGroupName: SubnetGroup.sandboxes }] },
      },
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(encryptedLogGroup(this, 'FlowLogs', props.key)),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    const s3Endpoint = this.vpc.node.findChild('S3') as ec2.GatewayVpcEndpoint;
    // A gateway endpoint's policy is the only S3 control on a sandbox that holds no identity
    // (and on any credential that reached one): ECR's layer bucket, read-only, nothing else.
    s3Endpoint.addToPolicy(
      new PolicyStatement({
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::prod-${Aws.REGION}-starport-layer-bucket/*`],
      }),
    );

    this.serviceEndpointsSecurityGroup = new ec2.SecurityGroup(this, 'ServiceEndpoints', {
      vpc: this.vpc,
      description: 'Interface endpoints for the services only: Bedrock, Secrets Manager, KMS, STS',
      allowAllOutbound: false,
    });
    this.taskStartEndpointsSecurityGroup = new ec2.SecurityGroup(this, 'TaskStartEndpoints', {
      vpc: this.vpc,
      description: 'Interface endpoints any Fargate task needs to start: ECR api and dkr, CloudWatch Logs',
      allowAllOutbound: false,
    });

    const endpoint = (id: string, service: ec2.InterfaceVpcEndpointAwsService, securityGroup: ec2.SecurityGroup, subnetGroupName: string) =>
      this.vpc.addInterfaceEndpoint(id, {
        service,
        securityGroups: [securityGroup],
        subnets: { subnetGroupName },
        privateDnsEnabled: true,
        // Each endpoint's security group decides who may connect; CDK's default rule would admit the whole VPC.
        open: false,
      });
    // The endpoints a sandbox needs live in the sandbox subnets, beside their only clients there.
    endpoint('EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR, this.taskStartEndpointsSecurityGroup, SubnetGroup.sandboxes);
    endpoint('EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, this.taskStartEndpointsSecurityGroup, SubnetGroup.sandboxes);
    endpoint('Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, this.taskStartEndpointsSecurityGroup, SubnetGroup.sandboxes);
    this.bedrockEndpoint = endpoint(
      'BedrockRuntime',
      ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
      this.serviceEndpointsSecurityGroup,
      SubnetGroup.services,
    );
    endpoint('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, this.serviceEndpointsSecurityGroup, SubnetGroup.services);
    endpoint('Kms', ec2.InterfaceVpcEndpointAwsService.KMS, this.serviceEndpointsSecurityGroup, SubnetGroup.services);
    endpoint('Sts', ec2.InterfaceVpcEndpointAwsService.STS, this.serviceEndpointsSecurityGroup, SubnetGroup.services);
  }
}
