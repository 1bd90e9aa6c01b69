import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsConnectionConfig, CredentialBundle } from '@remit/core';
import type { z } from 'zod';
import { CredentialError } from './credential-error.ts';

export type AwsConfig = z.infer<typeof AwsConnectionConfig>;

/** Short-lived keys for one run, as STS issued them. */
interface AwsSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601; STS refuses to extend it, so a run outliving it gets expired-token errors. */
  expiration: string;
  region: string;
}

interface AssumeRoleOptions {
  runId: string;
  /** Default: an STSClient in the connection's region, with the default credential chain (the worker's task role on AWS). */
  client?: STSClient;
  /** Default 900, the STS minimum: a run is short, and leaked keys die soon. */
  durationSeconds?: number;
}

// A verification or run start must not hang on a black-holed STS endpoint; the SDK sets no
// request timeout of its own. Each attempt gets these, and the SDK makes up to 3 attempts.
const STS_CONNECT_TIMEOUT_MS = 3_000;
const STS_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Assumes the connection's role for one run (`remit-run-<runId prefix>` in CloudTrail) and
 * returns its keys. Throttling, 5xx and dropped connections are retried by the SDK itself
 * (standard retry mode: 3 attempts with backoff); what is left is translated by
 * `awsFailureReason` and thrown as CredentialError `aws_assume_role_failed`.
 */
export async function assumeRoleForRun(config: AwsConfig, options: AssumeRoleOptions): Promise<AwsSession> {
  return assumeRole(config, sessionName('remit-run-', options.runId), options.client, options.durationSeconds ?? 900);
}

/** Proves the role can be assumed (and the keys are then dropped); the reason is safe to show. */
export async function verifyAwsConnection(config: AwsConfig, options: { client?: STSClient } = {}): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await assumeRole(config, 'remit-verify', options.client, 900);
    return { ok: true };
  } catch (err) {
    // A refusal is this check's answer, not a fault: its reason goes back to the admin who
    // saved. Anything else is a fault and is thrown on.
    if (err instanceof CredentialError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** The entry the sandbox agent receives for the `aws` tool: the standard AWS_* variable names. */
export function awsBundleSecret(connectionName: string, session: AwsSession): CredentialBundle['secrets'][number] {
  return {
    connection: connectionName,
    kind: 'aws_session',
    values: {
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken,
      AWS_REGION: session.region,
      expiration: session.expiration,
    },
  };
}

/** The session's strings to scrub from tool output; the key id too, since it names the session in CloudTrail. */
export function awsSecretValues(session: AwsSession): string[] {
  return [session.accessKeyId, session.secretAccessKey, session.sessionToken];
}

async function assumeRole(config: AwsConfig, roleSessionName: string, given: STSClient | undefined, durationSeconds: number): Promise<AwsSession> {
  const client =
    given ?? new STSClient({ region: config.region, requestHandler: { connectionTimeout: STS_CONNECT_TIMEOUT_MS, requestTimeout: STS_REQUEST_TIMEOUT_MS } });
  try {
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: config.roleArn,
        RoleSessionName: roleSessionName,
        DurationSeconds: durationSeconds,
        ...(config.externalId ? { ExternalId: config.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new CredentialError('aws_assume_role_failed', 'STS answered AssumeRole without credentials.');
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration.toISOString(),
      region: config.region,
    };
  } catch (err) {
    if (err instanceof CredentialError) throw err;
    throw translateAwsError(err, config);
  } finally {
    if (!given) client.destroy();
  }
}

// STS: "[\w+=,.@-]*", 2 to 64 characters. A run id is a UUID, so the filter is belt and braces.
function sessionName(prefix: string, runId: string): string {
  return prefix + runId.replace(/[^\w+=,.@-]/g, '').slice(0, 8);
}

const noCredentials = () => 'Remit has no AWS credentials here: give the worker a task role, or set AWS credentials in its environment.';
const rejectedCredentials = () => "Remit has no valid AWS credentials here: STS rejected the worker's own credentials as invalid or expired.";
const unreachable = ({ region }: AwsConfig) => `STS in ${region} could not be reached from Remit.`;

/**
 * AWS → Remit, by the SDK error's `name` (STS's error code, or the SDK's own error class).
 * The SDK's message is never used: it may quote the request, and so the external id.
 */
const awsFailureReason: Record<string, (config: AwsConfig) => string> = {
  AccessDenied: ({ roleArn }) => `Remit's AWS identity may not assume ${roleArn} (check the role's trust policy and external id).`,
  CredentialsProviderError: noCredentials,
  InvalidClientTokenId: rejectedCredentials,
  SignatureDoesNotMatch: rejectedCredentials,
  ExpiredToken: rejectedCredentials,
  ExpiredTokenException: rejectedCredentials,
  RegionDisabledException: ({ region }) =>
    `STS is not activated in ${region} for the role's account; activate the region in the account's IAM settings, or use another region.`,
  // e.g. DurationSeconds above the role's MaxSessionDuration, or a role ARN STS cannot parse.
  ValidationError: ({ roleArn }) => `STS refused the AssumeRole request for ${roleArn} as invalid (check the ARN, and the role's maximum session duration).`,
  // Only seen once the SDK's own retries are spent.
  Throttling: () => 'STS is throttling Remit; try again in a minute.',
  ThrottlingException: () => 'STS is throttling Remit; try again in a minute.',
  TimeoutError: unreachable,
  NetworkError: unreachable,
  ServiceError: () => 'STS failed with an internal error; try again in a minute.',
};

function translateAwsError(err: unknown, config: AwsConfig): CredentialError {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const name = typeof e.name === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(e.name) ? e.name : 'Error';
  // Node socket failures surface as a plain Error with an errno code; 5xx as the service's own names.
  const key =
    name in awsFailureReason
      ? name
      : typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)
        ? 'NetworkError'
        : e.$fault === 'server'
          ? 'ServiceError'
          : undefined;
  const reason = key ? awsFailureReason[key]!(config) : `AssumeRole on ${config.roleArn} failed (${name}).`;
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  return new CredentialError('aws_assume_role_failed', reason, {
    details: {
      providerCode: name,
      ...(typeof status === 'number' ? { httpStatus: status } : {}),
      ...(typeof requestId === 'string' ? { requestId } : {}),
    },
  });
}
