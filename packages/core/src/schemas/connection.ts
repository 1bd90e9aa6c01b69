import { isIP } from 'node:net';
import { z } from 'zod';
import { Id, Slug, Timestamp } from './common.ts';

const httpUrl = z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }).max(2048);

/** An IPv4 or IPv6 CIDR an admin allows for one connection (a system reached over Direct Connect). */
export const Cidr = z
  .string()
  .max(64)
  .refine((v) => isCidr(v), 'expected a CIDR such as 10.20.0.0/16 or fd12:3456::/48');

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || !address || !bits || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

const allowPrivateCidrs = z
  .array(Cidr)
  .max(20)
  .default([])
  .meta({ description: 'Private ranges this connection may reach; cloud metadata addresses are never allowed' });

/** Non-secret configuration per connection type. Secrets never appear in these shapes. */
const HttpConnectionConfig = z
  .object({
    baseUrl: httpUrl.meta({ example: 'https://payments.internal.example.com' }),
    auth: z
      .object({
        scheme: z.enum(['none', 'bearer', 'header', 'basic']),
        headerName: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,64}$/)
          .optional()
          .meta({ description: 'For scheme "header"' }),
      })
      .strict()
      .default({ scheme: 'none' }),
    verifyPath: z
      .string()
      .startsWith('/')
      .max(1024)
      .default('/')
      .meta({ description: 'GET here must answer below 400 for the connection to count as working' }),
    allowPrivateCidrs,
  })
  .strict();

const GithubConnectionConfig = z
  .object({
    apiUrl: httpUrl.default('https://api.github.com'),
    auth: z.enum(['token', 'app']).default('token'),
    appId: z.int().positive().optional(),
    installationId: z.int().positive().optional(),
    allowPrivateCidrs,
  })
  .strict();

export const AwsConnectionConfig = z
  .object({
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'expected an IAM role ARN'),
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

const AuthMode = z
  .enum(['service_account', 'oauth_user'])
  .meta({ description: 'service_account: a stored secret; oauth_user: the triggering user’s own OAuth token' });
type AuthMode = z.infer<typeof AuthMode>;

/** For `oauth_user` connections: where users authorize, and the app's public client settings. */
export const OAuthSettings = z
  .object({
    authorizeUrl: httpUrl,
    tokenUrl: httpUrl,
    clientId: z.string().min(1).max(256),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/))
      .max(50)
      .default([]),
  })
  .strict();
export type OAuthSettings = z.infer<typeof OAuthSettings>;

/**
 * Write-only credentials. Which fields a connection needs follows from its type and auth:
 * bearer/header → token; basic → username + password; GitHub token → token, GitHub App →
 * privateKey; oauth_user → clientSecret (users' own tokens arrive through the OAuth flow).
 */
export const ConnectionSecret = z
  .object({
    token: z.string().min(1).max(8192).optional(),
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(1024).optional(),
    privateKey: z.string().min(1).max(16_384).optional(),
    clientSecret: z.string().min(1).max(1024).optional(),
  })
  .strict()
  .meta({ id: 'ConnectionSecret', description: 'Write-only: stored sealed, never returned' });
export type ConnectionSecret = z.infer<typeof ConnectionSecret>;

const base = {
  name: Slug,
  description: z.string().max(500).default(''),
  authMode: AuthMode.default('service_account'),
  oauth: OAuthSettings.optional(),
  secret: ConnectionSecret.optional(),
};

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
    oauth: OAuthSettings,
    secret: ConnectionSecret,
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
    oauth: OAuthSettings.nullable(),
    hasSecret: z.boolean().meta({ description: 'Whether credentials are stored (they are never returned)' }),
    verifiedAt: Timestamp.nullable().meta({ description: 'Last successful live verification' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Connection' });
export type Connection = z.infer<typeof Connection>;
