import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

/** What could be checked about Bedrock without a (paid) model call. */
export interface BedrockAccess {
  region: string;
  /** The resolved access key id, masked to its first four and last four characters. */
  accessKey: string;
  /** When the credentials expire (a role's temporary keys), if they do. */
  expiresAt: Date | undefined;
}

/**
 * Resolves the region and the credentials a Bedrock client in `region` would sign with, through
 * the SDK's default chain (environment, profile, SSO, web identity, container and instance
 * roles), without calling Bedrock. Whether the identity may invoke the model is not known until
 * a real call. Rejects with the SDK's error when no credentials resolve within `timeoutMs` (default 10 s).
 */
export async function resolveBedrockAccess(options: { region: string; client?: BedrockRuntimeClient; timeoutMs?: number }): Promise<BedrockAccess> {
  const client = options.client ?? new BedrockRuntimeClient({ region: options.region, maxAttempts: 1 });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no credentials resolved within ${(options.timeoutMs ?? 10_000) / 1000} s`)), options.timeoutMs ?? 10_000);
    });
    const [region, credentials] = await Promise.race([Promise.all([client.config.region(), client.config.credentials()]), timeout]);
    const id = credentials.accessKeyId;
    return { region, accessKey: id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…', expiresAt: credentials.expiration };
  } finally {
    clearTimeout(timer);
    if (!options.client) client.destroy();
  }
}
