import { guardedFetch, isEgressError, type GuardedResponse, type Resolver } from '@remit/egress';
import { githubAppJwt as signAppJwt, isGithubError } from '@remit/github';
import { z } from 'zod';
import { CredentialError } from './credential-error.ts';

/** What a GitHub App connection needs: its config (apiUrl, appId, installationId, allowPrivateCidrs) and its sealed privateKey. */
export interface GithubAppAccess {
  apiUrl: string;
  appId: number;
  installationId: number;
  /** PEM, PKCS#1 as GitHub hands it out (`BEGIN RSA PRIVATE KEY`) or PKCS#8. */
  privateKey: string;
  allowCidrs: readonly string[];
}

interface GithubAppOptions {
  resolver?: Resolver;
}

/** A token that acts as the installation; GitHub lets it live one hour. */
interface InstallationToken {
  token: string;
  /** ISO 8601, as GitHub sent it. */
  expiresAt: string;
}

const GITHUB_TIMEOUT_MS = 10_000;
const GITHUB_MAX_BYTES = 64 * 1024;

/** The app's own JWT (@remit/github's), with a key that is not one refused as this module's CredentialError. */
export async function githubAppJwt(appId: number | string, privateKeyPem: string, now: Date = new Date()): Promise<string> {
  try {
    return await signAppJwt(appId, privateKeyPem, now);
  } catch (err) {
    if (isGithubError(err) && err.code === 'github_app_key_invalid') {
      throw new CredentialError('github_app_token_failed', "The privateKey is not a PEM RSA private key (use the .pem file from the GitHub App's settings).");
    }
    throw err;
  }
}

/**
 * Mints an installation token: `POST {apiUrl}/app/installations/{id}/access_tokens` with the
 * app's JWT, through the egress guard, no redirects followed (a redirect would carry the JWT
 * elsewhere). Throws CredentialError `github_app_token_failed` with a reason safe to show.
 */
export async function githubInstallationToken(access: GithubAppAccess, options: GithubAppOptions = {}): Promise<InstallationToken> {
  const jwt = await githubAppJwt(access.appId, access.privateKey);
  const res = await callGithub(access, 'POST', `/app/installations/${access.installationId}/access_tokens`, jwt, options);
  if (res.status !== 201) throw githubFailure(res, 'token', access);
  const body = InstallationTokenBody.safeParse(parseJson(res.body));
  if (!body.success)
    throw new CredentialError('github_app_token_failed', 'GitHub answered 201 without an installation token.', { details: responseDetails(res) });
  return { token: body.data.token, expiresAt: body.data.expires_at };
}

/** Proves the key belongs to the app (`GET /app`) and that the installation exists and is active. */
export async function verifyGithubApp(access: GithubAppAccess, options: GithubAppOptions = {}): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const jwt = await githubAppJwt(access.appId, access.privateKey);
    const app = await callGithub(access, 'GET', '/app', jwt, options);
    if (app.status !== 200) throw githubFailure(app, 'app', access);
    const installation = await callGithub(access, 'GET', `/app/installations/${access.installationId}`, jwt, options);
    if (installation.status !== 200) throw githubFailure(installation, 'installation', access);
    if (InstallationBody.safeParse(parseJson(installation.body)).data?.suspended_at) {
      return {
        ok: false,
        reason: `Installation ${access.installationId} of app ${access.appId} is suspended; unsuspend it in the account's GitHub App settings.`,
      };
    }
    return { ok: true };
  } catch (err) {
    // A refusal is this check's answer, not a fault: its reason goes back to the admin who
    // saved. Anything else is a fault and is thrown on.
    if (err instanceof CredentialError) return { ok: false, reason: err.message };
    throw err;
  }
}

const InstallationTokenBody = z.object({ token: z.string().min(1), expires_at: z.iso.datetime({ offset: true }) });
const InstallationBody = z.object({ suspended_at: z.string().nullish() });

async function callGithub(access: GithubAppAccess, method: 'GET' | 'POST', path: string, jwt: string, options: GithubAppOptions): Promise<GuardedResponse> {
  const url = access.apiUrl.replace(/\/$/, '') + path;
  const headers = {
    authorization: `Bearer ${jwt}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    // GitHub refuses API requests that carry no User-Agent.
    'user-agent': 'remit',
  };
  try {
    return await guardedFetch(
      url,
      { method, headers },
      {
        ...(options.resolver ? { resolver: options.resolver } : {}),
        allowCidrs: access.allowCidrs,
        timeoutMs: GITHUB_TIMEOUT_MS,
        maxBytes: GITHUB_MAX_BYTES,
        maxRedirects: 0,
      },
    );
  } catch (err) {
    // Egress messages name at most a host and port, never a header: safe to pass on.
    if (isEgressError(err)) throw new CredentialError('github_app_token_failed', err.message, { details: { providerCode: err.code } });
    throw err;
  }
}

type Step = 'app' | 'installation' | 'token';
const stepRequest: Record<Step, string> = {
  app: 'GET /app',
  installation: 'GET /app/installations/{id}',
  token: 'POST /app/installations/{id}/access_tokens',
};
interface FailureContext {
  step: Step;
  appId: number;
  installationId: number;
}

/**
 * GitHub → Remit, by HTTP status. GitHub's own message is not used: error bodies can echo
 * what was sent, and nothing from them is needed to tell an admin what to fix.
 */
const githubFailureReason: Record<number, (c: FailureContext) => string> = {
  401: () => "GitHub rejected the app's key (check appId and privateKey).",
  403: ({ step, installationId }) =>
    step === 'app'
      ? 'GitHub refused the request (HTTP 403): the app may be rate limited.'
      : `GitHub refused access to installation ${installationId}: it may be suspended, or the app rate limited.`,
  404: ({ step, appId, installationId }) =>
    step === 'app'
      ? "GitHub has no app API at this apiUrl (GitHub Enterprise Server's ends in /api/v3)."
      : `GitHub has no such installation ${installationId} for app ${appId} (check installationId; the app may have been uninstalled).`,
};

function githubFailure(res: GuardedResponse, step: Step, access: GithubAppAccess): CredentialError {
  const translate = githubFailureReason[res.status];
  const reason = translate
    ? translate({ step, appId: access.appId, installationId: access.installationId })
    : res.status >= 500
      ? `GitHub answered HTTP ${res.status}; try again in a minute.`
      : `GitHub answered HTTP ${res.status} to ${stepRequest[step]}.`;
  return new CredentialError('github_app_token_failed', reason, { details: responseDetails(res) });
}

function responseDetails(res: GuardedResponse): { httpStatus: number; requestId?: string } {
  const requestId = res.headers['x-github-request-id'];
  return { httpStatus: res.status, ...(typeof requestId === 'string' && /^[\w:.-]{1,100}$/.test(requestId) ? { requestId } : {}) };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Not JSON: treated as no body, which every caller's shape check then refuses. The
    // parser's message quotes the body, which may echo what was sent.
    return undefined;
  }
}
