// The sandbox as an attacker inside it would probe it: what can its network reach, what can its
// identity do, what did the orchestrator leave in its task definition. Each test reads the
// synthesized template the way `cdk deploy` would send it.
import { describe, expect, it } from 'vitest';
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

/** Registers the checks; `template` is read when they run (after remit-stack.test.ts synthesized). */
export function sandboxIsolationChecks(template: () => CfnTemplate): void {
  t = template;
  describeChecks();
}

const GATEWAY_PORT = 8443;
// CDK's inline stand-in for "no egress": ICMP type 252 code 86 to a /32 no host has.
const isNoTrafficPlaceholder = (r: Record<string, unknown>) =>
  r.CidrIp === '255.255.255.255/32' && r.IpProtocol === 'icmp' && r.FromPort === 252 && r.ToPort === 86;

/** The sandbox's security group, subnets and task definition, found the way the driver finds them: from the service's environment. */
function sandboxWiring() {
  const env = environmentOf(serviceContainer(t()));
  const sg = logicalIdOf(env.get('REMIT_ECS_SECURITY_GROUPS'));
  const taskDefinition = logicalIdOf(env.get('REMIT_ECS_TASK_DEFINITION'));
  const subnetsJoin = (env.get('REMIT_ECS_SUBNETS') as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const subnets = subnetsJoin.map(logicalIdOf).filter((x): x is string => x !== undefined);
  if (!sg || !taskDefinition || subnets.length === 0) throw new Error('the service environment does not name the sandbox resources');
  return { sg, taskDefinition, subnets };
}

/** The API/worker service's security group (its tasks host the sandbox gateway). */
function serviceSecurityGroup() {
  const [service, ...others] = resourcesOfType(t(), 'AWS::ECS::Service');
  expect(others).toEqual([]);
  const config = props(service![1]).NetworkConfiguration as { AwsvpcConfiguration: { SecurityGroups: unknown[] } };
  return logicalIdOf(config.AwsvpcConfiguration.SecurityGroups[0]);
}

/** Every egress rule of a security group: inline ones (without the placeholder) and separate resources. */
function egressOf(sg: string) {
  const inline = (props(t().Resources[sg]!).SecurityGroupEgress as Record<string, unknown>[] | undefined) ?? [];
  const separate = resourcesOfType(t(), 'AWS::EC2::SecurityGroupEgress')
    .map(([, r]) => props(r))
    .filter((p) => logicalIdOf(p.GroupId) === sg);
  return [...inline.filter((r) => !isNoTrafficPlaceholder(r)), ...separate].map((r) => ({
    protocol: r.IpProtocol,
    from: r.FromPort,
    to: r.ToPort,
    peer: logicalIdOf(r.DestinationSecurityGroupId) ?? logicalIdOf(r.DestinationPrefixListId) ?? r.CidrIp ?? r.CidrIpv6,
  }));
}

function describeChecks() {
  describe('sandbox network', () => {
    it('egress goes only to the gateway port on the service, the ECR/Logs endpoints on 443 and the S3 prefix list on 443', () => {
      const { sg } = sandboxWiring();
      const serviceSg = serviceSecurityGroup();
      const endpointSgs = new Set(
        resourcesOfType(t(), 'AWS::EC2::VPCEndpoint')
          .filter(([, r]) => /\.(ecr\.api|ecr\.dkr|logs)"/.test(JSON.stringify(props(r).ServiceName)))
          .flatMap(([, r]) => (props(r).SecurityGroupIds as unknown[]).map(logicalIdOf)),
      );
      expect(endpointSgs.size).toBe(1);
      const [taskStartEndpoints] = [...endpointSgs];
      expect(egressOf(sg)).toEqual(
        expect.arrayContaining([
          { protocol: 'tcp', from: GATEWAY_PORT, to: GATEWAY_PORT, peer: serviceSg },
          { protocol: 'tcp', from: 443, to: 443, peer: taskStartEndpoints },
          { protocol: 'tcp', from: 443, to: 443, peer: 'S3PrefixListId' },
        ]),
      );
      expect(egressOf(sg)).toHaveLength(3);
    });

    it('admits nothing in', () => {
      const { sg } = sandboxWiring();
      expect(props(t().Resources[sg]!).SecurityGroupIngress ?? []).toEqual([]);
      const ingress = resourcesOfType(t(), 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => logicalIdOf(props(r).GroupId) === sg);
      expect(ingress).toEqual([]);
    });

    it('is admitted by the service only on the gateway port, and by no Bedrock/Secrets Manager/KMS/STS endpoint', () => {
      const { sg } = sandboxWiring();
      const admitsSandbox = resourcesOfType(t(), 'AWS::EC2::SecurityGroupIngress')
        .map(([, r]) => props(r))
        .filter((p) => logicalIdOf(p.SourceSecurityGroupId) === sg);
      const serviceEndpoints = resourcesOfType(t(), 'AWS::EC2::VPCEndpoint')
        .filter(([, r]) => /bedrock|secretsmanager|kms|sts/.test(JSON.stringify(props(r).ServiceName)))
        .flatMap(([, r]) => (props(r).SecurityGroupIds as unknown[]).map(logicalIdOf));
      for (const rule of admitsSandbox) {
        expect(serviceEndpoints).not.toContain(logicalIdOf(rule.GroupId));
        expect([GATEWAY_PORT, 443]).toContain(rule.FromPort);
        expect(rule.ToPort).toBe(rule.FromPort);
      }
    });

    // Regression: CDK drops its inline no-traffic rule when any egress rule is added, even one it
    // renders as a separate resource; a group with no inline egress gets EC2's allow-all rule.
    it('no security group that should be closed falls back to EC2 default allow-all egress', () => {
      for (const [id, r] of resourcesOfType(t(), 'AWS::EC2::SecurityGroup')) {
        const inline = (props(r).SecurityGroupEgress as Record<string, unknown>[] | undefined) ?? [];
        expect(inline.length, `${id} has no inline egress rule, so EC2 adds allow-all`).toBeGreaterThan(0);
      }
      const open = resourcesOfType(t(), 'AWS::EC2::SecurityGroup').filter(([, r]) =>
        ((props(r).SecurityGroupEgress as Record<string, unknown>[]) ?? []).some((e) => e.CidrIp === '0.0.0.0/0' || e.CidrIpv6 === '::/0'),
      );
      // Only the API/worker reaches the internet (GitHub, customer APIs; the egress guard decides).
      expect(open.map(([id]) => id)).toEqual([serviceSecurityGroup()]);
    });

    it('sandbox subnets have no route to an internet gateway, NAT gateway or anything outside the VPC but S3', () => {
      const { subnets } = sandboxWiring();
      const routeTables = resourcesOfType(t(), 'AWS::EC2::SubnetRouteTableAssociation')
        .map(([, r]) => props(r))
        .filter((p) => subnets.includes(logicalIdOf(p.SubnetId)!))
        .map((p) => logicalIdOf(p.RouteTableId));
      expect(routeTables).toHaveLength(subnets.length);
      const routes = resourcesOfType(t(), 'AWS::EC2::Route')
        .map(([, r]) => props(r))
        .filter((p) => routeTables.includes(logicalIdOf(p.RouteTableId)));
      expect(routes).toEqual([]);
      for (const id of subnets) expect(props(t().Resources[id]!).MapPublicIpOnLaunch).not.toBe(true);
      // The only other way out of a route table: gateway endpoints. S3 is the one, for ECR layers.
      const gatewayEndpoints = resourcesOfType(t(), 'AWS::EC2::VPCEndpoint').filter(([, r]) =>
        ((props(r).RouteTableIds as unknown[]) ?? []).some((rt) => routeTables.includes(logicalIdOf(rt))),
      );
      expect(gatewayEndpoints.map(([, r]) => JSON.stringify(props(r).ServiceName))).toEqual([expect.stringMatching(/\.s3"\]\]\}$/)]);
    });
  });

  describe('sandbox task definition', () => {
    const sandboxTask = () => t().Resources[sandboxWiring().taskDefinition]!;

    it('runs read-only, as a non-root user, with every capability dropped', () => {
      const [agent, ...others] = containers(sandboxTask());
      expect(others).toEqual([]);
      expect(agent!.ReadonlyRootFilesystem).toBe(true);
      expect(agent!.Privileged).not.toBe(true);
      expect(String(agent!.User)).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
      expect(agent!.LinuxParameters).toMatchObject({ Capabilities: { Drop: ['ALL'] } });
    });

    it('carries nothing secret: no environment, no secrets, no environment files', () => {
      const [agent] = containers(sandboxTask());
      for (const field of ['Environment', 'Secrets', 'EnvironmentFiles', 'RepositoryCredentials']) expect(agent![field]).toBeUndefined();
      expect(JSON.stringify(sandboxTask())).not.toMatch(/secretsmanager|resolve:|ssm/i);
    });

    it('its task role has no policy of any kind attached', () => {
      const role = logicalIdOf(props(sandboxTask()).TaskRoleArn)!;
      expect(t().Resources[role]!.Type).toBe('AWS::IAM::Role');
      expect(props(t().Resources[role]!).Policies).toBeUndefined();
      expect(props(t().Resources[role]!).ManagedPolicyArns).toBeUndefined();
      expect(props(t().Resources[role]!).PermissionsBoundary).toBeUndefined();
      expect(identityStatements(t()).filter((s) => s.roles.includes(role))).toEqual([]);
    });

    it('only the sandbox roles may be passed, only to ECS tasks, and only by the worker', () => {
      const task = props(sandboxTask());
      const sandboxRoles = [logicalIdOf(task.TaskRoleArn), logicalIdOf(task.ExecutionRoleArn)].sort();
      const passes = grantsOf(identityStatements(t()), 'iam:PassRole');
      expect(passes.length).toBeGreaterThan(0);
      for (const s of passes) {
        expect(s.notResources).toBe(false);
        expect(s.resources.map(logicalIdOf).sort()).toEqual(sandboxRoles);
        expect(s.condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      }
      const worker = logicalIdOf(
        resourcesOfType(t(), 'AWS::ECS::TaskDefinition').find(([, r]) => containers(r).some((c) => c === serviceContainer(t())))?.[1].Properties?.TaskRoleArn,
      );
      expect(new Set(passes.flatMap((s) => s.roles))).toEqual(new Set([worker]));
    });

    it('the worker may start only the sandbox task definition, and stop, describe and list only on the sandbox cluster', () => {
      const statements = identityStatements(t());
      const { taskDefinition } = sandboxWiring();
      const cluster = logicalIdOf(environmentOf(serviceContainer(t())).get('REMIT_ECS_CLUSTER'));
      const onCluster = { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [cluster, 'Arn'] } } };
      for (const s of grantsOf(statements, 'ecs:RunTask')) {
        expect(s.resources.map(logicalIdOf)).toEqual([taskDefinition]);
        expect(s.condition).toEqual(onCluster);
      }
      for (const action of ['ecs:StopTask', 'ecs:DescribeTasks', 'ecs:ListTasks']) {
        const grants = grantsOf(statements, action);
        expect(grants.length, action).toBeGreaterThan(0);
        for (const s of grants) expect(s.condition, action).toEqual(onCluster);
      }
    });
  });
}
