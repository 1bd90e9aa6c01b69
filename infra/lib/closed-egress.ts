import type { IAspect } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';

/**
 * Keeps `allowAllOutbound: false` true in the template. EC2 gives a security group an
 * allow-all egress rule unless its own SecurityGroupEgress property lists a rule, and rules
 * to another security group or to a parameter's prefix list are separate
 * AWS::EC2::SecurityGroupEgress resources, which do not count. CDK (2.276) drops its
 * "disallow all traffic" placeholder as soon as any egress rule is added, even one rendered
 * separately, which left the sandbox and load balancer groups open to everything. This aspect
 * puts the placeholder (an ICMP type/code pair that matches no packet, to a /32 no host has)
 * back inline after every rule is known.
 */
export class ClosedDefaultEgress implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof ec2.SecurityGroup && !node.allowAllOutbound) {
      node.addEgressRule(ec2.Peer.ipv4('255.255.255.255/32'), ec2.Port.icmpTypeAndCode(252, 86), 'Disallow all traffic');
    }
  }
}
