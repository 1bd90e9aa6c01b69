import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { HttpLimits, ModelPrices, RateLimits, defaultHttpLimits, defaultModelPrices, defaultRateLimits, priceFor } from './limits.ts';
import { Cidr } from './schemas/connection.ts';
import { CodedError, type CodedErrorOptions } from './coded-error.ts';

const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // The issue names the variable; the parser's message would quote its value, which may be secret.
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const port = z.coerce.number().int().min(1).max(65_535);
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
/** A comma-separated list, each item checked by `item`; unset or empty: none. */
const commaSeparated = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item))
    .default([]);
const commaList = commaSeparated(z.string().regex(/^[\w.:/-]{1,255}$/, 'expected ids such as subnet-0abc, comma-separated'));
// RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const oidcScopes = z
  .string()
  .transform((v) => v.split(/\s+/).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'expected scope names separated by spaces, such as "openid email profile"'))
      .refine((scopes) => scopes.includes('openid'), 'must include openid: the console signs in with OpenID Connect, which needs it to get an ID token'),
  )
  .default(['openid', 'email', 'profile']);
// Whole days, at least one: a period of 0 would delete a transcript as its run finishes.
const retentionDays = z.coerce
  .number({ error: 'expected a whole number of days' })
  .int('expected a whole number of days')
  .min(1, 'expected at least 1 day')
  .max(36_500, 'expected at most 36500 days (100 years)');
const nonEmpty = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : s);

/**
 * Every setting Remit reads from the environment, with its default. This schema is the only
 * place the environment is interpreted; a bad value stops the process at start (exit 2).
 */
export const ConfigEnv = z
  .object({
    REMIT_DATA_DIR: z.string().min(1).default('.remit'),
    REMIT_PORT: port.default(8080),
    REMIT_HOST: z.string().min(1).default('127.0.0.1'),
    REMIT_PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({ description: 'How browsers reach the API (OAuth redirects); default http://REMIT_HOST:REMIT_PORT' }),
    REMIT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    DATABASE_URL: postgresUrl.optional().meta({ description: 'PostgreSQL as the schema owner: migrations and start-up only; unset: embedded PGlite' }),
    REMIT_DATABASE_APP_URL: postgresUrl.optional().meta({
      description:
        'PostgreSQL as the request login (owns nothing, no BYPASSRLS); default: DATABASE_URL as remit_app without a password. Alone, without DATABASE_URL: requests only, no migrations at start (run `remit migrate` with DATABASE_URL first)',
    }),
    // Renamed when requests stopped sharing the owner's login; kept as an error so an old
    // deployment stops at start instead of silently running migrations as the request login.
    DATABASE_OWNER_URL: z.never({ error: 'no longer read: DATABASE_URL is now the owner login and REMIT_DATABASE_APP_URL the request login' }).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REMIT_DB_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default('remit'),
    REMIT_MASTER_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected 32 bytes, base64-encoded')
      .optional(),
    REMIT_SANDBOX_DRIVER: z.enum(['local', 'ecs']).default('local'),
    REMIT_ECS_CLUSTER: z.string().min(1).max(2048).optional().meta({ description: 'The cluster sandbox tasks run in (REMIT_SANDBOX_DRIVER=ecs)' }),
    REMIT_ECS_TASK_DEFINITION: z.string().min(1).max(2048).optional().meta({ description: 'The sandbox task definition (family, family:revision or ARN)' }),
    REMIT_ECS_CONTAINER_NAME: z.string().min(1).max(255).default('sandbox'),
    REMIT_ECS_SUBNETS: commaList.meta({ description: 'The isolated subnets sandbox tasks run in, comma-separated' }),
    REMIT_ECS_SECURITY_GROUPS: commaList.meta({ description: 'The sandbox security group(s), comma-separated' }),
    REMIT_SANDBOX_GATEWAY_HOST: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .meta({ description: 'The address sandbox tasks dial to reach this worker’s gateway; default on ECS: this task’s own private address' }),
    REMIT_SANDBOX_GATEWAY_PORT: port.default(8443),
    REMIT_SANDBOX_WARM_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(0)
      .max(100)
      .default(0)
      .meta({ description: 'Sandboxes kept started and waiting for a run (0: none); see docs/deploy-aws.md for the cost' }),
    REMIT_SECRET_STORE: z
      .enum(['local', 'aws-secrets-manager'])
      .default('local')
      .meta({ description: 'Where connection secrets and sealed tokens live: the local AES-256-GCM vault in the data directory, or AWS Secrets Manager' }),
    REMIT_SECRETS_KMS_KEY_ID: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .meta({ description: 'The KMS key (id, ARN or alias) every Secrets Manager secret is created with; required with aws-secrets-manager' }),
    REMIT_SECRETS_NAME_PREFIX: z
      .string()
      .regex(/^([A-Za-z0-9_+=.@-]+\/)+$/, 'expected path segments ending in /, such as remit/ or remit/prod/')
      .max(200)
      .default('remit/')
      .meta({ description: 'Every Secrets Manager secret’s name starts with it; IAM policies grant access to <prefix>*' }),
    REMIT_SECRETS_CACHE_TTL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(30_000)
      .meta({ description: 'How long a secret read from Secrets Manager is reused (0: never)' }),
    REMIT_MODEL_PROVIDER: z.enum(['scripted', 'bedrock', 'openai-compatible']).default('scripted'),
    REMIT_ORG: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/)
      .default('default'),
    REMIT_ADMIN_GROUP: z.string().min(1).default('remit-admins'),
    REMIT_OIDC_ISSUER: z.url().optional(),
    REMIT_DEV_ISSUER: z
      .enum(['1', 'true', '0', 'false'], { error: 'expected 1 (on) or 0 (off)' })
      .transform((v) => v === '1' || v === 'true')
      .optional()
      .meta({ description: 'Run the built-in development token issuer: 1 forces it on, 0 off; unset: on only on a loopback REMIT_HOST with PGlite' }),
    REMIT_OIDC_AUDIENCE: z.string().min(1).default('remit'),
    REMIT_OIDC_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    REMIT_OIDC_ALG: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
    REMIT_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    REMIT_OIDC_CLIENT_ID: z.string().min(1).max(255).optional().meta({
      description: 'The console’s client id at REMIT_OIDC_ISSUER (authorization code with PKCE); unset: the console cannot sign anyone in with the IdP',
    }),
    REMIT_OIDC_CLIENT_SECRET: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'The console client’s secret, sent with HTTP Basic (client_secret_basic); unset: a public client, protected by PKCE alone' }),
    REMIT_OIDC_SCOPES: oidcScopes.meta({ description: 'The scopes the console asks for, space-separated; must include openid' }),
    REMIT_RATE_LIMITS: json(RateLimits).default(defaultRateLimits),
    REMIT_STREAMS_PER_USER: z.coerce
      .number()
      .pipe(HttpLimits.shape.streamsPerUser)
      .default(defaultHttpLimits.streamsPerUser)
      .meta({ description: 'Open transcript streams one user may hold; past it, 429 too_many_streams' }),
    REMIT_STREAMS_TOTAL: z.coerce
      .number()
      .pipe(HttpLimits.shape.streamsTotal)
      .default(defaultHttpLimits.streamsTotal)
      .meta({ description: 'Open transcript streams per API process, all users together' }),
    REMIT_INVALID_TOKENS_PER_SOURCE: json(HttpLimits.shape.invalidTokensPerSource)
      .default(defaultHttpLimits.invalidTokensPerSource)
      .meta({ description: 'Token bucket of refused bearer tokens per client address; past it, 429 too_many_invalid_tokens' }),
    REMIT_REFUSAL_AUDIT_WINDOW_SECONDS: z.coerce
      .number()
      .pipe(HttpLimits.shape.refusalAuditWindowSeconds)
      .default(defaultHttpLimits.refusalAuditWindowSeconds)
      .meta({ description: 'Repeated identical refusals are written as one audit entry with a count per window' }),
    REMIT_AUDIT_CHECKPOINT_EVERY: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(1000)
      .meta({ description: 'A signed audit checkpoint once this many entries follow the last one' }),
    REMIT_AUDIT_CHECKPOINT_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(5)
      .meta({ description: 'A signed audit checkpoint once the last is this many minutes old and any entry follows it' }),
    REMIT_AUDIT_CHECKPOINT_DIR: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Where checkpoint files are written when no bucket is set; default <REMIT_DATA_DIR>/audit-checkpoints' }),
    REMIT_AUDIT_CHECKPOINT_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')
      .optional()
      .meta({ description: 'S3 bucket with Object Lock (the AWS stack creates it) that checkpoints are written to instead of the directory' }),
    REMIT_TRUSTED_PROXY_HOPS: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .meta({ description: 'Proxies (load balancers) in front of the API whose X-Forwarded-For entries are trusted; 0: the socket address is the client' }),
    REMIT_MODEL_PRICES: json(ModelPrices)
      .transform((custom) => ({ ...defaultModelPrices, ...custom }))
      .default(defaultModelPrices),
    REMIT_MODEL_MAX_TOKENS: z.coerce.number().int().min(256).max(64_000).default(4096),
    REMIT_BEDROCK_MODEL_ID: z.string().min(1).max(256).optional(),
    REMIT_BEDROCK_REGION: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')
      .optional(),
    AWS_REGION: z.string().optional(),
    REMIT_BEDROCK_GUARDRAIL_ID: z.string().min(1).max(256).optional(),
    REMIT_BEDROCK_GUARDRAIL_VERSION: z.string().min(1).max(32).optional(),
    REMIT_OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    REMIT_OPENAI_API_KEY: z.string().min(1).optional(),
    REMIT_OPENAI_MODEL: z.string().min(1).max(256).optional(),
    REMIT_OPENAI_ALLOW_CIDRS: commaSeparated(Cidr),
    REMIT_MODEL_CONTEXT_WINDOW: z.coerce.number().int().min(4096).max(2_000_000).default(200_000),
    REMIT_GITHUB_WEBHOOK_SECRET: z
      .string()
      .min(16, 'expected at least 16 characters (GitHub suggests a long random string)')
      .optional()
      .meta({ description: 'The GitHub App’s webhook secret; unset: POST /v1/webhooks/github refuses every delivery' }),
    REMIT_GITHUB_WEBHOOK_SECRET_PREVIOUS: z
      .string()
      .min(16, 'expected at least 16 characters')
      .optional()
      .meta({ description: 'The secret being rotated out: deliveries signed with either are accepted' }),
    REMIT_GITHUB_APP_ID: z.coerce.number().int().positive().optional(),
    REMIT_GITHUB_APP_PRIVATE_KEY: z
      .string()
      .includes('PRIVATE KEY', { message: 'expected the PEM GitHub gave you (-----BEGIN RSA PRIVATE KEY-----…)' })
      .optional(),
    REMIT_GITHUB_APP_PRIVATE_KEY_FILE: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'A file holding the App’s PEM key, instead of REMIT_GITHUB_APP_PRIVATE_KEY' }),
    REMIT_GITHUB_API_URL: z
      .url({ protocol: /^https?$/ })
      .default('https://api.github.com')
      .meta({ description: 'GitHub’s REST API: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server' }),
    REMIT_GITHUB_ALLOW_CIDRS: commaSeparated(Cidr).meta({
      description: 'Private ranges the GitHub API may resolve to (GitHub Enterprise Server on a private network)',
    }),
    REMIT_RETENTION_DAYS: retentionDays.default(90).meta({
      description: 'Days operational data is kept before retention deletes or de-identifies it; the default of each REMIT_RETENTION_*_DAYS',
    }),
    REMIT_RETENTION_TRANSCRIPT_DAYS: retentionDays.optional().meta({ description: 'Days a finished run keeps its transcript, input and result' }),
    REMIT_RETENTION_MODEL_CALL_DAYS: retentionDays.optional().meta({ description: 'Days model call records keep who made them (tokens and cost stay)' }),
    REMIT_RETENTION_WEBHOOK_DAYS: retentionDays.optional().meta({ description: 'Days webhook deliveries keep their payload and author' }),
    REMIT_RETENTION_LOG_DAYS: retentionDays.optional().meta({ description: 'Days rotated log files in the data directory are kept' }),
    REMIT_GRAPH_REINDEX_HOURS: z.coerce
      .number({ error: 'expected a whole number of hours' })
      .int('expected a whole number of hours')
      .min(1, 'expected at least 1 hour')
      .max(8760, 'expected at most 8760 hours (a year)')
      .default(24)
      .meta({ description: 'Hours after which a repository read through a connection is indexed again (its knowledge graph); default daily' }),
    REMIT_REVIEW_FALLBACK_ROLE: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/)
      .optional()
      .meta({ description: 'The role a pull request is reviewed as when its author has no Remit user; unset: such pull requests are skipped' }),
  })
  .superRefine((env, ctx) => {
    if (env.REMIT_GITHUB_APP_PRIVATE_KEY && env.REMIT_GITHUB_APP_PRIVATE_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_GITHUB_APP_PRIVATE_KEY_FILE'], message: 'set REMIT_GITHUB_APP_PRIVATE_KEY or this, not both' });
    }
    const hasKey = Boolean(env.REMIT_GITHUB_APP_PRIVATE_KEY || env.REMIT_GITHUB_APP_PRIVATE_KEY_FILE);
    if (env.REMIT_GITHUB_APP_ID !== undefined && !hasKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_GITHUB_APP_PRIVATE_KEY'],
        message: 'required (or REMIT_GITHUB_APP_PRIVATE_KEY_FILE) when REMIT_GITHUB_APP_ID is set',
      });
    }
    if (env.REMIT_GITHUB_WEBHOOK_SECRET && env.REMIT_GITHUB_APP_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_GITHUB_APP_ID'],
        message: 'required when REMIT_GITHUB_WEBHOOK_SECRET is set: reviews are read and posted as the GitHub App',
      });
    }
    if (env.REMIT_GITHUB_WEBHOOK_SECRET_PREVIOUS && !env.REMIT_GITHUB_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_GITHUB_WEBHOOK_SECRET'], message: 'required when REMIT_GITHUB_WEBHOOK_SECRET_PREVIOUS is set' });
    }
    if (env.REMIT_SANDBOX_DRIVER === 'ecs') {
      for (const name of ['REMIT_ECS_CLUSTER', 'REMIT_ECS_TASK_DEFINITION'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when REMIT_SANDBOX_DRIVER is ecs' });
      }
      for (const name of ['REMIT_ECS_SUBNETS', 'REMIT_ECS_SECURITY_GROUPS'] as const) {
        if (env[name].length === 0) ctx.addIssue({ code: 'custom', path: [name], message: 'required when REMIT_SANDBOX_DRIVER is ecs' });
      }
    }
    if (env.REMIT_SECRET_STORE === 'aws-secrets-manager' && !env.REMIT_SECRETS_KMS_KEY_ID) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_SECRETS_KMS_KEY_ID'], message: 'required when REMIT_SECRET_STORE is aws-secrets-manager' });
    }
    if (env.REMIT_MODEL_PROVIDER === 'bedrock' && !env.REMIT_BEDROCK_REGION && !env.AWS_REGION) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_BEDROCK_REGION'], message: 'required (or AWS_REGION) when REMIT_MODEL_PROVIDER is bedrock' });
    }
    if (env.REMIT_BEDROCK_GUARDRAIL_ID && !env.REMIT_BEDROCK_GUARDRAIL_VERSION) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_BEDROCK_GUARDRAIL_VERSION'], message: 'required when REMIT_BEDROCK_GUARDRAIL_ID is set' });
    }
    if (env.REMIT_MODEL_PROVIDER === 'openai-compatible') {
      for (const name of ['REMIT_OPENAI_BASE_URL', 'REMIT_OPENAI_MODEL'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when REMIT_MODEL_PROVIDER is openai-compatible' });
      }
    }
    const priced = pricedModel(env);
    if (priced && !priceFor(env.REMIT_MODEL_PRICES, priced.modelId)) {
      // The meter refuses a call it cannot price, so an unpriced model would fail every run at its first call.
      const example = JSON.stringify({ [priced.modelId]: { inputPerMTok: 0, outputPerMTok: 0 } });
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_MODEL_PRICES'],
        message: `has no price for model ${JSON.stringify(priced.modelId)} (${priced.variable}), so its calls cannot be metered; add one in USD per million tokens (0 for a server you run yourself), e.g. REMIT_MODEL_PRICES='${example}'`,
      });
    }
    if (env.REMIT_OIDC_ISSUER && !env.REMIT_OIDC_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_OIDC_JWKS_URL'], message: 'required when REMIT_OIDC_ISSUER is set' });
    }
    if (env.REMIT_OIDC_CLIENT_SECRET && !env.REMIT_OIDC_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_OIDC_CLIENT_SECRET'],
        message: 'only used with REMIT_OIDC_CLIENT_ID, the console’s client id; set that too, or unset this',
      });
    }
    if (env.REMIT_OIDC_CLIENT_ID && !env.REMIT_OIDC_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_OIDC_CLIENT_ID'],
        message: 'only used with REMIT_OIDC_ISSUER, the provider the console signs in with; set that too, or unset this to sign in with the development issuer',
      });
    }
    const issuerProtocol = env.REMIT_OIDC_ISSUER ? protocolOf(env.REMIT_OIDC_ISSUER) : undefined;
    if (env.REMIT_OIDC_CLIENT_ID && issuerProtocol !== undefined && issuerProtocol !== 'https:') {
      // OIDC Core §16.17: codes, tokens and the client secret travel to the issuer's endpoints.
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_OIDC_ISSUER'],
        message: 'must be an https:// URL when REMIT_OIDC_CLIENT_ID is set: the console sends authorization codes and its client secret there',
      });
    }
    const owner = env.DATABASE_URL ? loginOf(env.DATABASE_URL) : undefined;
    if (owner !== undefined && env.REMIT_DATABASE_APP_URL && owner === loginOf(env.REMIT_DATABASE_APP_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_DATABASE_APP_URL'],
        message: 'must log in as a different role than DATABASE_URL: the owner can switch row-level security off, so requests never use its login',
      });
    }
    if (env.REMIT_DEV_ISSUER === true && env.REMIT_OIDC_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_DEV_ISSUER'], message: 'cannot be combined with REMIT_OIDC_ISSUER; unset one of them' });
    }
    if (env.REMIT_DEV_ISSUER === false && !env.REMIT_OIDC_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_OIDC_ISSUER'], message: 'required when REMIT_DEV_ISSUER is 0' });
    }
    if (env.REMIT_DEV_ISSUER === undefined && !env.REMIT_OIDC_ISSUER) {
      const deployed = [
        !isLoopbackHost(env.REMIT_HOST) && `REMIT_HOST is ${JSON.stringify(env.REMIT_HOST)}, not loopback`,
        env.DATABASE_URL && 'DATABASE_URL is set',
        !env.DATABASE_URL && env.REMIT_DATABASE_APP_URL && 'REMIT_DATABASE_APP_URL is set',
      ].filter(Boolean);
      if (deployed.length) {
        // Anyone who can read the data directory can sign an admin token with the development
        // key, so it must never be what a reachable deployment trusts by default.
        ctx.addIssue({
          code: 'custom',
          path: ['REMIT_OIDC_ISSUER'],
          message: `required because ${deployed.join(' and ')}; set it (and REMIT_OIDC_JWKS_URL) to your IdP, or set REMIT_DEV_ISSUER=1 to run the development issuer on purpose`,
        });
      }
    }
  });
export type ConfigEnv = z.infer<typeof ConfigEnv>;

/**
 * The model a run's calls are metered against, when configured here: the OpenAI-compatible
 * model, or a Bedrock model other than the default (which has a built-in price).
 */
function pricedModel(env: { REMIT_MODEL_PROVIDER: string; REMIT_OPENAI_MODEL?: string | undefined; REMIT_BEDROCK_MODEL_ID?: string | undefined }) {
  if (env.REMIT_MODEL_PROVIDER === 'openai-compatible' && env.REMIT_OPENAI_MODEL) return { modelId: env.REMIT_OPENAI_MODEL, variable: 'REMIT_OPENAI_MODEL' };
  if (env.REMIT_MODEL_PROVIDER === 'bedrock' && env.REMIT_BEDROCK_MODEL_ID) return { modelId: env.REMIT_BEDROCK_MODEL_ID, variable: 'REMIT_BEDROCK_MODEL_ID' };
  return undefined;
}

/** Days each data class is kept before retention removes or de-identifies it. */
export interface RetentionPeriods {
  transcripts: number;
  modelCalls: number;
  webhookDeliveries: number;
  logs: number;
}

/** Each class's period: its own REMIT_RETENTION_*_DAYS, else REMIT_RETENTION_DAYS (default 90). */
export function retentionPeriods(config: ConfigEnv): RetentionPeriods {
  const all = config.REMIT_RETENTION_DAYS;
  return {
    transcripts: config.REMIT_RETENTION_TRANSCRIPT_DAYS ?? all,
    modelCalls: config.REMIT_RETENTION_MODEL_CALL_DAYS ?? all,
    webhookDeliveries: config.REMIT_RETENTION_WEBHOOK_DAYS ?? all,
    logs: config.REMIT_RETENTION_LOG_DAYS ?? all,
  };
}

/** Which issuer's tokens this process accepts, and why; for the start log line and `remit doctor`. */
export function activeIssuer(config: ConfigEnv): { kind: 'oidc' | 'development'; issuer: string | undefined; why: string } {
  if (config.REMIT_OIDC_ISSUER) return { kind: 'oidc', issuer: config.REMIT_OIDC_ISSUER, why: 'REMIT_OIDC_ISSUER is set' };
  return {
    kind: 'development',
    issuer: undefined,
    why: config.REMIT_DEV_ISSUER ? 'REMIT_DEV_ISSUER=1' : 'loopback REMIT_HOST and embedded PGlite, with no REMIT_OIDC_ISSUER',
  };
}

/** How the console signs people in; `kind: 'oidc'` carries what the console's OIDC login needs, except its redirect URI. */
export type ConsoleLoginMode =
  | {
      kind: 'oidc';
      issuer: string;
      clientId: string;
      clientSecret: string | undefined;
      scopes: string[];
      groupsClaim: string;
      algorithm: ConfigEnv['REMIT_OIDC_ALG'];
    }
  | { kind: 'development' }
  | { kind: 'unavailable'; why: string };

/**
 * The console's sign-in: with the configured IdP when REMIT_OIDC_ISSUER and REMIT_OIDC_CLIENT_ID
 * are set, with the development issuer when that is the active issuer, otherwise unavailable with
 * the variable to set.
 */
export function consoleLoginMode(config: ConfigEnv): ConsoleLoginMode {
  if (activeIssuer(config).kind === 'development') return { kind: 'development' };
  const issuer = config.REMIT_OIDC_ISSUER;
  const clientId = config.REMIT_OIDC_CLIENT_ID;
  if (!issuer || !clientId) {
    return {
      kind: 'unavailable',
      why: 'set REMIT_OIDC_CLIENT_ID to the console’s OIDC client id, registered at REMIT_OIDC_ISSUER (and REMIT_OIDC_CLIENT_SECRET if that client has a secret)',
    };
  }
  return {
    kind: 'oidc',
    issuer,
    clientId,
    clientSecret: config.REMIT_OIDC_CLIENT_SECRET,
    scopes: [...config.REMIT_OIDC_SCOPES],
    groupsClaim: config.REMIT_OIDC_GROUPS_CLAIM,
    algorithm: config.REMIT_OIDC_ALG,
  };
}

/**
 * Whether a listen address only accepts connections from this machine. Names other than
 * `localhost` count as reachable: what they resolve to is not ours to decide at start.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') && isIPv4(h.slice(7)) ? h.slice(7) : h;
  if (isIPv4(v4)) return v4.split('.')[0] === '127';
  if (!isIPv6(h)) return false;
  // ::1 in any spelling (0:0:0:0:0:0:0:1, ::0:1, …): every group but the last is zero.
  const groups = expandIPv6(h);
  return groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

function expandIPv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** A URL's scheme with its colon ('https:'), or undefined when unparsable (which has its own issue). */
function protocolOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

/** The user a connection URL logs in as ('' when it leaves it to PGUSER), or undefined when unparsable. */
function loginOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch {
    return undefined; // an unparsable URL already has its own issue
  }
}

type ConfigErrorCode = 'invalid_config';

const configErrorMessages: Record<ConfigErrorCode, string> = {
  invalid_config: 'invalid configuration',
};

interface ConfigErrorDetails {
  /** One line per variable: its name, what is wrong, and its value unless that may be secret. */
  problems: readonly string[];
}

/** A configuration the process cannot start with; whoever stops the process prints `details.problems`. */
export class ConfigError extends CodedError<ConfigErrorCode, ConfigErrorDetails> {
  constructor(code: ConfigErrorCode, message?: string, options?: CodedErrorOptions<ConfigErrorDetails>) {
    super('ConfigError', code, message ?? configErrorMessages[code], options);
  }
}

/** Parses the environment; unknown variables are ignored, empty strings count as unset. */
export function parseConfig(env: Record<string, string | undefined>): ConfigEnv {
  const keys = Object.keys(ConfigEnv.shape) as (keyof ConfigEnv)[];
  const picked: Record<string, string | undefined> = {};
  for (const key of keys) picked[key] = nonEmpty(env[key]);
  const parsed = ConfigEnv.safeParse(picked);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const got = picked[name];
    const hidden = name === 'REMIT_MASTER_KEY' || /URL|KEY|SECRET|TOKEN/.test(name);
    const shown = got === undefined ? '' : hidden ? ' (value hidden)' : ` (got ${JSON.stringify(got)})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError('invalid_config', undefined, { details: { problems } });
}
