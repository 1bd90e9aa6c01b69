import { connectionConfigSchemas } from '@remit/core';
import { assumeRoleForRun, awsBundleSecret, awsSecretValues, verifyAwsConnection } from '../aws-session.ts';
import { text } from '../config-values.ts';
import type { ConnectionTypeModule, CredentialedConnection } from '../connection-type.ts';

const awsConfig = (c: CredentialedConnection) => connectionConfigSchemas.aws.parse(c.config);

/** An AWS account, reached by assuming one IAM role with Remit's own identity: nothing is stored. */
export const aws: ConnectionTypeModule = {
  type: 'aws',
  configSchema: connectionConfigSchemas.aws,
  // The run's STS keys go to the sandbox agent for its `aws` tool, not through the egress proxy.
  tools: [],

  secretFields: () => [],

  // No stored secret travels; listed so the table is complete: these decide whose keys a run gets.
  secretDestination: (config) => ({
    'config.roleArn': text(config.roleArn),
    'config.region': text(config.region),
    'config.externalId': text(config.externalId),
  }),

  userTokenDestination: () => ({}),

  endpoint: () => null,

  serviceHeaders: () => ({}),

  verify: (c) => verifyAwsConnection(awsConfig(c)),

  async openForRun(c, { runId, connectionName }) {
    // Assuming the role for the run is its live check; a refusal is thrown as a CredentialError.
    const session = await assumeRoleForRun(awsConfig(c), { runId });
    return { ok: true, grant: { inside: awsBundleSecret(connectionName, session), minted: awsSecretValues(session) } };
  },
};
