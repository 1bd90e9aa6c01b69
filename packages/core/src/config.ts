import { z } from 'zod';
import { ModelPrices, RateLimits, defaultModelPrices, defaultRateLimits } from './limits.ts';
import { Cidr } from './schemas/connection.ts';

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const port = z.coerce.number().int().min(1).max(65_535);
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
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
    REMIT_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional().meta({ description: 'How browsers reach the API (OAuth redirects); default http://REMIT_HOST:REMIT_PORT' }),
    REMIT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_OWNER_URL: postgresUrl.optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REMIT_DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('remit'),
    REMIT_MASTER_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected 32 bytes, base64-encoded')
      .optional(),
    REMIT_SANDBOX_DRIVER: z.enum(['local', 'ecs']).default('local'),
    REMIT_MODEL_PROVIDER: z.enum(['scripted', 'bedrock', 'openai-compatible']).default('scripted'),
    REMIT_ORG: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).default('default'),
    REMIT_ADMIN_GROUP: z.string().min(1).default('remit-admins'),
    REMIT_OIDC_ISSUER: z.url().optional(),
    REMIT_OIDC_AUDIENCE: z.string().min(1).default('remit'),
    REMIT_OIDC_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    REMIT_OIDC_ALG: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
    REMIT_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    REMIT_RATE_LIMITS: json(RateLimits).default(defaultRateLimits),
    REMIT_MODEL_PRICES: json(ModelPrices)
      .transform((custom) => ({ ...defaultModelPrices, ...custom }))
      .default(defaultModelPrices),
    REMIT_MODEL_MAX_TOKENS: z.coerce.number().int().min(256).max(64_000).default(4096),
    REMIT_BEDROCK_MODEL_ID: z.string().min(1).max(256).optional(),
    REMIT_BEDROCK_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1').optional(),
    AWS_REGION: z.string().optional(),
    REMIT_BEDROCK_GUARDRAIL_ID: z.string().min(1).max(256).optional(),
    REMIT_BEDROCK_GUARDRAIL_VERSION: z.string().min(1).max(32).optional(),
    REMIT_OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    REMIT_OPENAI_API_KEY: z.string().min(1).optional(),
    REMIT_OPENAI_MODEL: z.string().min(1).max(256).optional(),
    REMIT_OPENAI_ALLOW_CIDRS: z
      .string()
      .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
      .pipe(z.array(Cidr))
      .default([]),
    REMIT_MODEL_CONTEXT_WINDOW: z.coerce.number().int().min(4096).max(2_000_000).default(200_000),
  })
  .superRefine((env, ctx) => {
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
    if (env.REMIT_OIDC_ISSUER && !env.REMIT_OIDC_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REMIT_OIDC_JWKS_URL'], message: 'required when REMIT_OIDC_ISSUER is set' });
    }
  });
export type ConfigEnv = z.infer<typeof ConfigEnv>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; unknown variables are ignored, empty strings count as unset. */
export function parseConfig(env: Record<string, string | undefined>): ConfigEnv {
  const keys = Object.keys(ConfigEnv.shape) as (keyof ConfigEnv)[];
  const picked: Record<string, string | undefined> = {};
  for (const key of keys) picked[key] = nonEmpty(env[key]);
  const parsed = ConfigEnv.safeParse(picked);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const got = picked[name];
      const hidden = name === 'REMIT_MASTER_KEY' || /URL|KEY|SECRET|TOKEN/.test(name);
      const shown = got === undefined ? '' : hidden ? ' (value hidden)' : ` (got ${JSON.stringify(got)})`;
      return `${name}: ${issue.message}${shown}`;
    }),
  );
}
