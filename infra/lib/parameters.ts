import { CfnParameter, type Stack } from 'aws-cdk-lib';

/** The values an operator chooses at `cdk deploy --parameters`; see docs/deploy-aws.md. */
export interface RemitParameters {
  certificateArn: CfnParameter;
  publicUrl: CfnParameter;
  allowedIngressCidr: CfnParameter;
  oidcIssuer: CfnParameter;
  oidcJwksUrl: CfnParameter;
  oidcAudience: CfnParameter;
  oidcGroupsClaim: CfnParameter;
  adminGroup: CfnParameter;
  bedrockModelId: CfnParameter;
  bedrockResourceArns: CfnParameter;
  modelPrices: CfnParameter;
  s3PrefixListId: CfnParameter;
  apiImageRepository: CfnParameter;
  apiImageTag: CfnParameter;
  sandboxImageRepository: CfnParameter;
  sandboxImageTag: CfnParameter;
  sandboxWarmPoolSize: CfnParameter;
  serviceDesiredCount: CfnParameter;
  gitHubAppConfigArn: CfnParameter;
  auditRetentionDays: CfnParameter;
}

const arn = (service: string) => `^arn:aws[a-z-]*:${service}:.+$`;
// ECR repository names: lowercase, digits, . _ - and / (registry docs); tags: 128 word characters, . and -.
const repositoryName = '^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$';
const imageTag = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

/** Declares the stack's parameters. Every one is checked by CloudFormation before anything is created. */
export function declareParameters(stack: Stack): RemitParameters {
  const p = (id: string, props: ConstructorParameters<typeof CfnParameter>[2]) => new CfnParameter(stack, id, props);
  return {
    certificateArn: p('CertificateArn', {
      type: 'String',
      allowedPattern: arn('acm'),
      description: 'ACM certificate for the HTTPS listener (the name in PublicUrl)',
    }),
    publicUrl: p('PublicUrl', {
      type: 'String',
      allowedPattern: '^https://[^/]+$',
      description: 'How users and GitHub reach Remit, e.g. https://remit.example.com',
    }),
    allowedIngressCidr: p('AllowedIngressCidr', {
      type: 'String',
      default: '0.0.0.0/0',
      allowedPattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$',
      description: 'Who may reach the load balancer on 443; narrow it to your network when GitHub webhooks come in another way',
    }),
    oidcIssuer: p('OidcIssuer', { type: 'String', allowedPattern: '^https://.+$', description: 'Your OIDC provider issuer (REMIT_OIDC_ISSUER)' }),
    oidcJwksUrl: p('OidcJwksUrl', { type: 'String', allowedPattern: '^https://.+$', description: 'Its JWKS URL (REMIT_OIDC_JWKS_URL)' }),
    oidcAudience: p('OidcAudience', {
      type: 'String',
      default: 'remit',
      minLength: 1,
      description: 'The audience tokens are issued for (REMIT_OIDC_AUDIENCE)',
    }),
    oidcGroupsClaim: p('OidcGroupsClaim', {
      type: 'String',
      default: 'groups',
      minLength: 1,
      description: 'The claim that lists groups (REMIT_OIDC_GROUPS_CLAIM)',
    }),
    adminGroup: p('AdminGroup', {
      type: 'String',
      default: 'remit-admins',
      minLength: 1,
      description: 'The IdP group whose members are Remit admins (REMIT_ADMIN_GROUP)',
    }),
    bedrockModelId: p('BedrockModelId', {
      type: 'String',
      minLength: 1,
      description: 'The model or inference profile ID runs use (REMIT_BEDROCK_MODEL_ID)',
    }),
    bedrockResourceArns: p('BedrockResourceArns', {
      type: 'CommaDelimitedList',
      description:
        'Every ARN the model ID resolves to: the inference profile and each foundation model it routes to, or the foundation model alone. Nothing else may be invoked.',
    }),
    modelPrices: p('ModelPrices', {
      type: 'String',
      default: '',
      description: 'REMIT_MODEL_PRICES: USD per million tokens for a model without a built-in price, as JSON; empty: the built-in prices',
    }),
    s3PrefixListId: p('S3PrefixListId', {
      type: 'String',
      allowedPattern: '^pl-[0-9a-f]+$',
      description: "The region's S3 prefix list (com.amazonaws.REGION.s3); sandboxes fetch ECR image layers through it",
    }),
    apiImageRepository: p('ApiImageRepository', {
      type: 'String',
      default: 'remit-api',
      allowedPattern: repositoryName,
      description: 'ECR repository of the API/worker image',
    }),
    apiImageTag: p('ApiImageTag', { type: 'String', allowedPattern: imageTag, description: 'Its tag (immutable tags recommended)' }),
    sandboxImageRepository: p('SandboxImageRepository', {
      type: 'String',
      default: 'remit-sandbox',
      allowedPattern: repositoryName,
      description: 'ECR repository of the sandbox image (sandbox-image/Dockerfile)',
    }),
    sandboxImageTag: p('SandboxImageTag', { type: 'String', allowedPattern: imageTag, description: 'Its tag (immutable tags recommended)' }),
    sandboxWarmPoolSize: p('SandboxWarmPoolSize', {
      type: 'Number',
      default: 2,
      minValue: 0,
      maxValue: 50,
      description: 'Identity-less sandbox tasks kept running for runs to claim (see the cost model in docs/deploy-aws.md)',
    }),
    serviceDesiredCount: p('ServiceDesiredCount', {
      type: 'Number',
      default: 2,
      minValue: 0,
      maxValue: 20,
      description: 'API/worker tasks; deploy the first time with 0, run the migrations task, then set it (docs/deploy-aws.md)',
    }),
    gitHubAppConfigArn: p('GitHubAppConfigArn', {
      type: 'String',
      allowedPattern: arn('secretsmanager'),
      description: 'Full ARN of the Secrets Manager entry holding the GitHub App as JSON: {"appId", "privateKey", "webhookSecret"} (docs/deploy-aws.md)',
    }),
    auditRetentionDays: p('AuditRetentionDays', {
      type: 'Number',
      default: 400,
      minValue: 1,
      maxValue: 3650,
      description: 'Object Lock compliance retention of audit checkpoints, in days; no one, root included, can shorten it',
    }),
  };
}
