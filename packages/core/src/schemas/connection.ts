import { z } from 'zod';
import { Id, Slug, Timestamp } from './common.ts';

const httpUrl = z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }).max(2048);

/** Non-secret configuration per connection type. Secrets never appear in these shapes. */
export const HttpConnectionConfig = z
  .object({
    baseUrl: httpUrl.meta({ example: 'https://payments.internal.example.com' }),
    auth: z
      .object({
        scheme: z.enum(['none', 'bearer', 'header', 'basic']),
        headerName: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).optional().meta({ description: 'For scheme "header"' }),
      })
      .strict()
      .default({ scheme: 'none' }),
  })
  .strict();

export const GithubConnectionConfig = z
  .object({
    apiUrl: httpUrl.default('https://api.github.com'),
    auth: z.enum(['token', 'app']).default('token'),
    appId: z.int().positive().optional(),
    installationId: z.int().positive().optional(),
  })
  .strict();

export const AwsConnectionConfig = z
  .object({
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/, 'expected an IAM role ARN'),
    externalId: z.string().min(2).max(1224).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1'),
  })
  .strict();

export const ConnectionType = z.enum(['http', 'github', 'aws']);
export type ConnectionType = z.infer<typeof ConnectionType>;

export const connectionConfigSchemas = {
  http: HttpConnectionConfig,
  github: GithubConnectionConfig,
  aws: AwsConnectionConfig,
} as const satisfies Record<ConnectionType, z.ZodType>;

export const AuthMode = z
  .enum(['service_account', 'oauth_user'])
  .meta({ description: 'service_account: a stored secret; oauth_user: the triggering user’s own OAuth token' });
export type AuthMode = z.infer<typeof AuthMode>;

const base = { name: Slug, description: z.string().max(500).default(''), authMode: AuthMode.default('service_account') };

export const ConnectionCreate = z
  .discriminatedUnion('type', [
    z.object({ ...base, type: z.literal('http'), config: HttpConnectionConfig }).strict(),
    z.object({ ...base, type: z.literal('github'), config: GithubConnectionConfig }).strict(),
    z.object({ ...base, type: z.literal('aws'), config: AwsConnectionConfig }).strict(),
  ])
  .meta({ id: 'ConnectionCreate' });
export type ConnectionCreate = z.infer<typeof ConnectionCreate>;

/** `config`, when given, replaces the whole config and is checked against the connection's type. */
export const ConnectionUpdate = z
  .object({
    description: z.string().max(500),
    authMode: AuthMode,
    config: z.record(z.string(), z.unknown()),
  })
  .partial()
  .strict()
  .meta({ id: 'ConnectionUpdate' });
export type ConnectionUpdate = z.infer<typeof ConnectionUpdate>;

export const Connection = z
  .object({
    id: Id,
    name: Slug,
    type: ConnectionType,
    description: z.string(),
    authMode: AuthMode,
    config: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Connection' });
export type Connection = z.infer<typeof Connection>;
