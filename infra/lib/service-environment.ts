import { Aws } from 'aws-cdk-lib';
import type { RemitParameters } from './parameters.ts';
import { Settings } from './settings.ts';

/** What the service must know about the resources the stack created. */
export interface ServiceResources {
  sandboxCluster: string;
  sandboxSubnets: string[];
  sandboxSecurityGroup: string;
  sandboxTaskDefinition: string;
  keyArn: string;
  checkpointBucket: string;
}

/**
 * The non-secret environment of the API/worker task (names as packages/core/src/config.ts
 * reads them; the ECS driver, Secrets Manager store and audit export names are agreed in
 * docs/deploy-aws.md). Secrets are never here: they are ECS `secrets`, read from Secrets
 * Manager by the execution role when the task starts.
 */
export function serviceEnvironment(p: RemitParameters, r: ServiceResources): Record<string, string> {
  return {
    REMIT_HOST: '0.0.0.0',
    REMIT_PORT: String(Settings.apiPort),
    REMIT_PUBLIC_URL: p.publicUrl.valueAsString,
    // The ALB is the one proxy in front of the API; its X-Forwarded-For entry is the client.
    REMIT_TRUSTED_PROXY_HOPS: '1',
    REMIT_LOG_LEVEL: 'info',

    REMIT_OIDC_ISSUER: p.oidcIssuer.valueAsString,
    REMIT_OIDC_JWKS_URL: p.oidcJwksUrl.valueAsString,
    REMIT_OIDC_AUDIENCE: p.oidcAudience.valueAsString,
    REMIT_OIDC_GROUPS_CLAIM: p.oidcGroupsClaim.valueAsString,
    REMIT_ADMIN_GROUP: p.adminGroup.valueAsString,
    // Never the development issuer in a deployment, whatever else is set.
    REMIT_DEV_ISSUER: '0',

    REMIT_MODEL_PROVIDER: 'bedrock',
    REMIT_BEDROCK_MODEL_ID: p.bedrockModelId.valueAsString,
    REMIT_BEDROCK_REGION: Aws.REGION,
    REMIT_MODEL_PRICES: p.modelPrices.valueAsString,

    REMIT_SANDBOX_DRIVER: 'ecs',
    REMIT_ECS_CLUSTER: r.sandboxCluster,
    REMIT_ECS_SUBNETS: r.sandboxSubnets.join(','),
    REMIT_ECS_SECURITY_GROUPS: r.sandboxSecurityGroup,
    REMIT_ECS_TASK_DEFINITION: r.sandboxTaskDefinition,
    REMIT_ECS_CONTAINER_NAME: 'agent',
    REMIT_SANDBOX_GATEWAY_PORT: String(Settings.sandboxGatewayPort),
    REMIT_SANDBOX_WARM_POOL_SIZE: p.sandboxWarmPoolSize.valueAsString,

    REMIT_SECRET_STORE: 'aws-secrets-manager',
    REMIT_SECRETS_NAME_PREFIX: Settings.secretStorePrefix,
    REMIT_SECRETS_KMS_KEY_ID: r.keyArn,

    REMIT_AUDIT_CHECKPOINT_BUCKET: r.checkpointBucket,
  };
}
