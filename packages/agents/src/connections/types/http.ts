import { connectionConfigSchemas } from '@remit/core';
import { canonicalUrl, text } from '../config-values.ts';
import type { ConnectionTypeModule } from '../connection-type.ts';
import { endpointAt, probeEndpoint } from '../http-check.ts';

type Config = Record<string, unknown>;

const authOf = (config: Config) => (config.auth ?? {}) as { scheme?: unknown; headerName?: unknown };
const schemeOf = (config: Config) => text(authOf(config).scheme) ?? 'none';
// Header names are case-insensitive (RFC 9110 §5.1).
const headerNameOf = (config: Config) => (text(authOf(config).headerName) ?? 'x-api-key').toLowerCase();
const verifyPathOf = (config: Config) => text(config.verifyPath) ?? '/';

/** An HTTP API: a base URL, one of four auth schemes, and a path whose GET proves it works. */
export const http: ConnectionTypeModule = {
  type: 'http',
  configSchema: connectionConfigSchemas.http,
  tools: ['http'],

  secretFields(config) {
    const scheme = schemeOf(config);
    return scheme === 'basic' ? ['username', 'password'] : scheme === 'none' ? [] : ['token'];
  },

  // The token or basic pair goes to baseUrl + any path under it, in the header the scheme
  // names; verifyPath is where the live check sends it, and `/..` in it can climb out of the
  // base path (URL parsing resolves dot segments).
  secretDestination(config) {
    const scheme = schemeOf(config);
    return {
      'config.baseUrl': canonicalUrl(config.baseUrl),
      'config.verifyPath': verifyPathOf(config),
      'config.auth.scheme': scheme,
      'config.auth.headerName': scheme === 'header' ? headerNameOf(config) : null,
    };
  },

  // A user's access token goes to the base URL, and to the verify path with each run's check.
  userTokenDestination: (config) => ({ endpoint: canonicalUrl(config.baseUrl), 'config.verifyPath': verifyPathOf(config) }),

  endpoint: (config) => endpointAt(config.baseUrl, config),

  serviceHeaders(config, secret) {
    const scheme = schemeOf(config);
    if (scheme === 'bearer' && secret?.token) return { authorization: `Bearer ${secret.token}` };
    if (scheme === 'header' && secret?.token) return { [headerNameOf(config)]: secret.token };
    if (scheme === 'basic' && secret?.username && secret.password) {
      return { authorization: `Basic ${Buffer.from(`${secret.username}:${secret.password}`).toString('base64')}` };
    }
    return {};
  },

  verify: (c, options) => probeEndpoint(c, http.endpoint(c.config), verifyPathOf(c.config), options),

  async openForRun(c, options) {
    const endpoint = http.endpoint(c.config);
    const check = await probeEndpoint(c, endpoint, verifyPathOf(c.config), options);
    if (!check.ok) return check;
    // Every credential stays with the egress proxy: code in the sandbox can use the API, never read its secret.
    return { ok: true, grant: { egress: { ...endpoint!, headers: c.headers }, minted: [] } };
  },
};
