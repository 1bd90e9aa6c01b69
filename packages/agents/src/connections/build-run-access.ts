import { AwsConnectionConfig, type ConnectionSecret, type CredentialBundle } from '@remit/core';
import { getConnectionRecord, getRole, type Sql } from '@remit/db';
import type { EgressTarget, Resolver } from '@remit/egress';
import type { SecretStore } from '@remit/secrets';
import type { RunConnection } from '../tool-catalog.ts';
import { openConnectionSecret, secretStrings } from './connection-secret.ts';
import { connectionEndpoint, credentialHeaders } from './credential-headers.ts';
import { userAccessToken } from './oauth-tokens.ts';
import { assumeRoleForRun, awsBundleSecret, awsSecretValues } from './aws-session.ts';
import { CredentialError, isCredentialError } from './credential-error.ts';
import { githubInstallationToken } from './github-app.ts';
import { githubAppAccess, verifyConnection } from './verify-connection.ts';

export interface RunAccess {
  /** The connections the model is offered: the role's, minus any that failed their check. */
  connections: RunConnection[];
  /** What the egress proxy may forward, with the credentials it adds outside the sandbox. */
  egressTargets: EgressTarget[];
  /** What the sandbox agent itself receives: connection names, and only credentials a tool inside must hold. */
  bundle: CredentialBundle;
  /** Every secret value the run holds, for scrubbing whatever the model or the transcript sees. */
  secretValues: string[];
  /** Connections left out of the run, with the reason the transcript shows. */
  unavailable: { name: string; reason: string }[];
}

/**
 * The one place a run's access is built from its role: each connection's sealed credentials
 * are opened, the connection is verified live again, and the credentials are split between
 * the egress proxy (HTTP credentials, never inside the sandbox) and the bundle (nothing for
 * HTTP; git tokens and STS keys when those tools need them). A user-authorised connection
 * uses the triggering user's own token, and only theirs.
 */
export async function buildRunAccess(
  sql: Sql,
  deps: { secrets: SecretStore; orgId: string; resolver?: Resolver | undefined },
  run: { id: string; roleId: string; userId: string | null },
): Promise<RunAccess> {
  const role = await getRole(sql, { id: run.roleId });
  const access: RunAccess = { connections: [], egressTargets: [], bundle: { runId: run.id, connections: [], secrets: [] }, secretValues: [], unavailable: [] };
  for (const name of role.connections) {
    const c = await getConnectionRecord(sql, { name });
    let userToken: string | undefined;
    if (c.authMode === 'oauth_user') {
      const how = `authorize Remit once at GET /v1/oauth/${name}/start`;
      if (!run.userId) {
        access.unavailable.push({ name, reason: 'it acts with the triggering user’s own authorization, and this run has no user' });
        continue;
      }
      try {
        userToken = await userAccessToken(deps, sql, c, run.userId);
      } catch {
        access.unavailable.push({ name, reason: `your authorization could not be refreshed; ${how}` });
        continue;
      }
      if (!userToken) {
        access.unavailable.push({ name, reason: `you have not connected it yet; ${how}` });
        continue;
      }
    }
    let secret: ConnectionSecret | undefined;
    try {
      secret = c.secretRef ? await openConnectionSecret(deps.secrets, c.secretRef) : undefined;
    } catch {
      access.unavailable.push({ name, reason: 'its stored credentials could not be opened; an admin should save them again' });
      continue;
    }
    // For AWS and GitHub Apps, getting the run's short-lived credentials is the live check.
    if (c.type === 'aws') {
      try {
        const session = await assumeRoleForRun(AwsConnectionConfig.parse(c.config), { runId: run.id });
        access.connections.push({ name: c.name, type: c.type, description: c.description });
        access.bundle.connections.push({ name: c.name, type: c.type });
        access.bundle.secrets.push(awsBundleSecret(c.name, session));
        access.secretValues.push(...awsSecretValues(session));
      } catch (err) {
        if (!isCredentialError(err)) throw err;
        access.unavailable.push({ name, reason: `failed its live check: ${err.reason}` });
      }
      continue;
    }
    if (c.type === 'github' && c.config.auth === 'app') {
      const app = githubAppAccess(c, secret);
      try {
        if (!app) throw new CredentialError('github_app_token_failed', 'A GitHub App connection needs appId, installationId and privateKey.');
        const { token } = await githubInstallationToken(app, deps.resolver ? { resolver: deps.resolver } : {});
        secret = { ...secret, token };
      } catch (err) {
        if (!isCredentialError(err)) throw err;
        access.unavailable.push({ name, reason: `failed its live check: ${err.reason}` });
        continue;
      }
    } else {
      const check = await verifyConnection(c, secret, { ...(deps.resolver ? { resolver: deps.resolver } : {}), ...(userToken ? { userToken } : {}) });
      if (!check.ok) {
        access.unavailable.push({ name, reason: `failed its live check: ${check.reason}` });
        continue;
      }
    }
    const { baseUrl, allowCidrs } = connectionEndpoint(c);
    access.connections.push({ name: c.name, type: c.type, description: c.description });
    access.bundle.connections.push({ name: c.name, type: c.type });
    if (baseUrl) access.egressTargets.push({ name: c.name, baseUrl, allowCidrs, headers: credentialHeaders(c, secret, userToken) });
    if (userToken) access.secretValues.push(userToken);
    if (c.type === 'github' && secret?.token) access.bundle.secrets.push({ connection: c.name, kind: 'git_token', values: { token: secret.token } });
    access.secretValues.push(...secretStrings(secret));
  }
  return access;
}
