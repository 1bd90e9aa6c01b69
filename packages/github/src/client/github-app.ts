import { z } from 'zod';
import { GithubError } from '../github-error.ts';
import { githubAppJwt } from './app-jwt.ts';
import { createOctokit, requestSignal, type GithubConnection } from './octokit.ts';
import { withRetry, type RetryOptions } from './retry.ts';

export type PermissionLevel = 'read' | 'write' | 'admin';
export type InstallationPermissions = Readonly<Record<string, PermissionLevel>>;

/** What the sandbox may do with its token: read the repository's contents, nothing else. */
export const SANDBOX_TOKEN_PERMISSIONS = { contents: 'read' } as const satisfies InstallationPermissions;

/** What the orchestrator posts with: the review, the check run, the reaction (`issues`), and reading the diff. */
export const POSTING_TOKEN_PERMISSIONS = {
  pull_requests: 'write',
  checks: 'write',
  issues: 'write',
  contents: 'read',
} as const satisfies InstallationPermissions;

export interface InstallationTokenRequest {
  installationId: number;
  /** Narrow the token to these repositories; the sandbox's token names exactly one. */
  repositoryIds?: readonly number[];
  /** Narrow the token to these permissions; omitted, GitHub grants all the installation has. */
  permissions?: InstallationPermissions;
}

export interface InstallationToken {
  token: string;
  /** ISO 8601, as GitHub sent it (one hour after minting). */
  expiresAt: string;
  /** What GitHub says the token may do. */
  permissions: InstallationPermissions;
}

export interface GithubAppOptions extends GithubConnection {
  appId: number | string;
  /** PEM, PKCS#1 as GitHub hands it out or PKCS#8. */
  privateKey: string;
  retry?: RetryOptions;
  now?: () => Date;
}

export interface GithubApp {
  createInstallationToken(request: InstallationTokenRequest): Promise<InstallationToken>;
}

const TokenResponse = z.looseObject({
  token: z.string().min(1),
  expires_at: z.string(),
  permissions: z.record(z.string(), z.enum(['read', 'write', 'admin'])).optional(),
});

const RANK = { read: 1, write: 2, admin: 3 } as const;

/** Acts as the GitHub App (its JWT) to mint installation tokens. */
export function createGithubApp(options: GithubAppOptions): GithubApp {
  const now = options.now ?? (() => new Date());
  return {
    async createInstallationToken(request) {
      const jwt = await githubAppJwt(options.appId, options.privateKey, now());
      const octokit = createOctokit(jwt, options);
      const response = await withRetry(
        () =>
          octokit.request('POST /app/installations/{installation_id}/access_tokens', {
            installation_id: request.installationId,
            ...(request.repositoryIds ? { repository_ids: [...request.repositoryIds] } : {}),
            ...(request.permissions ? { permissions: { ...request.permissions } } : {}),
            request: { signal: requestSignal(options) },
          }),
        { now, ...options.retry },
      );
      const body = TokenResponse.safeParse(response.data);
      if (!body.success) throw new GithubError('github_bad_response', 'GitHub answered without an installation token.');
      const granted = body.data.permissions ?? {};
      // GitHub never grants more than asked, but a token wider than the sandbox should hold is
      // a leak we would not notice, so it is checked rather than assumed.
      if (request.permissions) {
        for (const [name, level] of Object.entries(granted)) {
          const asked = request.permissions[name];
          if (!asked || RANK[level] > RANK[asked]) throw new GithubError('github_bad_response', 'GitHub granted an installation token wider than requested.');
        }
      }
      return { token: body.data.token, expiresAt: body.data.expires_at, permissions: granted };
    },
  };
}
