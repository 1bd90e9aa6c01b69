import { connectionConfigSchemas } from '@remit/core';
import { canonicalUrl, num, text } from '../config-values.ts';
import type { ConnectionTypeModule, CredentialedConnection } from '../connection-type.ts';
import { githubInstallationToken, verifyGithubApp, type GithubAppAccess } from '../github-app.ts';
import { endpointAt, probeEndpoint } from '../http-check.ts';

type Config = Record<string, unknown>;

const isApp = (config: Config) => config.auth === 'app';
// GitHub refuses API requests without a User-Agent.
const tokenHeaders = (token: string) => ({ authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'remit' });
// `git_checkout` runs inside the sandbox, so it must hold the token itself.
const gitToken = (connection: string, token: string) => ({ connection, kind: 'git_token' as const, values: { token } });
const noApp = { ok: false, reason: 'A GitHub App connection needs appId, installationId and privateKey.' } as const;

/** A GitHub App connection's settings and key, or null when one is missing. */
function appAccess(c: CredentialedConnection): GithubAppAccess | null {
  const cfg = connectionConfigSchemas.github.parse(c.config);
  if (!cfg.appId || !cfg.installationId || !c.secret?.privateKey) return null;
  return { apiUrl: cfg.apiUrl, appId: cfg.appId, installationId: cfg.installationId, privateKey: c.secret.privateKey, allowCidrs: cfg.allowPrivateCidrs };
}

/** GitHub or GitHub Enterprise Server, with a token or as a GitHub App installation. */
export const github: ConnectionTypeModule = {
  type: 'github',
  configSchema: connectionConfigSchemas.github,
  tools: ['http', 'git_checkout'],

  secretFields: (config) => (isApp(config) ? ['privateKey'] : ['token']),

  // A token goes to apiUrl; an App's key signs a JWT for one app id and installation there.
  secretDestination(config) {
    const app = isApp(config);
    return {
      'config.apiUrl': canonicalUrl(config.apiUrl ?? 'https://api.github.com'),
      'config.auth': text(config.auth) ?? 'token',
      'config.appId': app ? num(config.appId) : null,
      'config.installationId': app ? num(config.installationId) : null,
    };
  },

  userTokenDestination: (config) => ({ endpoint: canonicalUrl(config.apiUrl) }),

  endpoint: (config) => endpointAt(config.apiUrl, config),

  serviceHeaders: (_config, secret) => (secret?.token ? tokenHeaders(secret.token) : {}),

  async verify(c, options) {
    if (!isApp(c.config)) return probeEndpoint(c, github.endpoint(c.config), '/user', options);
    const app = appAccess(c);
    return app ? verifyGithubApp(app, options.resolver ? { resolver: options.resolver } : {}) : noApp;
  },

  async openForRun(c, options) {
    const endpoint = github.endpoint(c.config);
    if (isApp(c.config)) {
      const app = appAccess(c);
      if (!app) return noApp;
      // Minting the run's installation token is its live check; a refusal is thrown as a CredentialError.
      const { token } = await githubInstallationToken(app, options.resolver ? { resolver: options.resolver } : {});
      return { ok: true, grant: { egress: { ...endpoint!, headers: tokenHeaders(token) }, inside: gitToken(options.connectionName, token), minted: [token] } };
    }
    const check = await probeEndpoint(c, endpoint, '/user', options);
    if (!check.ok) return check;
    return {
      ok: true,
      grant: {
        egress: { ...endpoint!, headers: c.headers },
        ...(c.secret?.token ? { inside: gitToken(options.connectionName, c.secret.token) } : {}),
        minted: [],
      },
    };
  },
};
