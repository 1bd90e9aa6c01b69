// STS, GitHub, an OAuth provider and an upstream API cannot be reached here: GitHub, the
// provider and the API are fakes on 127.0.0.1 that hold each request until the test releases
// it, and STS is faked at the SDK boundary (aws-sdk-client-mock) the same way. While each one
// holds, the test asserts that no database transaction is open.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ConnectionCreate, RoleCreate, type ConnectionSecret } from '@remit/core';
import { createConnection, createRole, findOAuthGrant, upsertOAuthGrant, upsertUser, type Database, type Sql } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import { SecretValue, formatSecretRef, parseSecretRef, type SecretStore } from '@remit/secrets';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRunAccess } from './build-run-access.ts';
import { Gate, capturingLogger, countingDb, fakeServer, json, releaseEach, withVault, type FakeServer } from './test-support.ts';

const loopback = ['127.0.0.1/32'];
const API_TOKEN = 'api-token-3f9a1c';
const CLIENT_SECRET = 'client-secret-7d2e';
const INSTALLATION_TOKEN = 'ghs_fakeInstallationToken0001';
const appKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const stsKeys = { AccessKeyId: 'ASIAFAKEKEY00000042', SecretAccessKey: 'fake/secret/access/key/0042', SessionToken: 'FwoGZXIvYXdzEFAKE0042' };

const sts = mockClient(STSClient);
const servers: FakeServer[] = [];
afterEach(async () => {
  sts.reset();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof fakeServer>): Promise<FakeServer> {
  const server = await fakeServer(...args);
  servers.push(server);
  return server;
}

/** A connection row with its secret sealed, as a save leaves it. */
async function seedConnection(sql: Sql, secrets: SecretStore, orgId: string, input: Record<string, unknown>, secret?: ConnectionSecret): Promise<string> {
  const { secret: _none, ...parsed } = ConnectionCreate.parse(input);
  const id = randomUUID();
  let secretRef: string | null = null;
  if (secret) {
    const ref = { orgId, scope: 'connection' as const, ownerId: id, name: 'credentials' };
    await secrets.put(ref, new SecretValue(JSON.stringify(secret)));
    secretRef = formatSecretRef(ref);
  }
  await createConnection(sql, { ...parsed, id, secretRef });
  return id;
}

/** Seals a user's tokens and records their grant, expired, so the next run refreshes it. */
async function seedExpiredGrant(
  sql: Sql,
  secrets: SecretStore,
  orgId: string,
  connectionId: string,
  userId: string,
  tokens: Record<string, string> | undefined,
): Promise<string> {
  const ref = { orgId, scope: 'oauth_user' as const, ownerId: `${connectionId}:${userId}`, name: 'tokens' };
  if (tokens) await secrets.put(ref, new SecretValue(JSON.stringify(tokens)));
  await upsertOAuthGrant(sql, { connectionId, userId, secretRef: formatSecretRef(ref), expiresAt: new Date(Date.now() - 60_000), scopes: [] });
  return formatSecretRef(ref);
}

const verifiedAt = (db: Database) =>
  db.owner((sql) => sql.query<{ name: string; verified: boolean }>('select name, verified_at is not null as verified from connections order by name'));

describe.each(testDrivers)('building a run’s access on %s', (driver) => {
  it('calls STS, GitHub, the token endpoint and the upstream with no transaction open, then records the checks and the refreshed token', async () => {
    await withTestDb(
      ({ db, orgA }) =>
        withVault(async (secrets) => {
          const [apiGate, githubGate, stsGate, tokenGate] = [new Gate(), new Gate(), new Gate(), new Gate()];
          const api = await serve(async (req, res) => {
            if (req.url === '/status') await apiGate.hold();
            json(res, req.headers.authorization === `Bearer ${API_TOKEN}` ? 200 : 401, {});
          });
          const github = await serve(async (req, res) => {
            await githubGate.hold();
            json(res, 201, { token: INSTALLATION_TOKEN, expires_at: '2030-01-01T00:00:00Z' });
          });
          const provider = await serve(async (req, res, body) => {
            if (req.url === '/token') {
              await tokenGate.hold();
              const form = new URLSearchParams(body);
              if (form.get('refresh_token') !== 'rt-old' || form.get('client_secret') !== CLIENT_SECRET) return json(res, 400, { error: 'invalid_grant' });
              return json(res, 200, { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 3600 });
            }
            json(res, req.headers.authorization === 'Bearer at-new' ? 200 : 401, {});
          });
          sts.on(AssumeRoleCommand).callsFake(async () => {
            await stsGate.hold();
            return { Credentials: { ...stsKeys, Expiration: new Date(Date.now() + 900_000) } };
          });

          const { userId, roleId, ticketsId, oldRef } = await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
            const user = await upsertUser(sql, { sub: 'alice', email: 'alice@example.com' });
            await seedConnection(
              sql,
              secrets,
              orgA,
              { name: 'api', type: 'http', config: { baseUrl: api.url, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: loopback } },
              { token: API_TOKEN },
            );
            await seedConnection(
              sql,
              secrets,
              orgA,
              { name: 'repos', type: 'github', config: { apiUrl: github.url, auth: 'app', appId: 1, installationId: 2, allowPrivateCidrs: loopback } },
              { privateKey: appKey },
            );
            await seedConnection(sql, secrets, orgA, {
              name: 'prod-aws',
              type: 'aws',
              config: { roleArn: 'arn:aws:iam::123456789012:role/remit', region: 'eu-west-1' },
            });
            const tickets = await seedConnection(
              sql,
              secrets,
              orgA,
              {
                name: 'tickets',
                type: 'http',
                authMode: 'oauth_user',
                config: { baseUrl: provider.url, verifyPath: '/me', allowPrivateCidrs: loopback },
                oauth: { authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, clientId: 'remit' },
              },
              { clientSecret: CLIENT_SECRET },
            );
            const grantRef = await seedExpiredGrant(sql, secrets, orgA, tickets, user.id, { access_token: 'at-old', refresh_token: 'rt-old' });
            const role = await createRole(
              sql,
              RoleCreate.parse({ name: 'sre', connections: ['api', 'repos', 'prod-aws', 'tickets'], runKinds: ['troubleshoot'] }),
            );
            return { userId: user.id, roleId: role.id, ticketsId: tickets, oldRef: grantRef };
          });

          const counted = countingDb(db);
          const { logger } = capturingLogger();
          const runId = randomUUID();
          const building = buildRunAccess({ db: counted.db, orgId: orgA, secrets, logger }, { id: runId, roleId, userId });
          await releaseEach([apiGate, githubGate, stsGate, tokenGate], () => expect(counted.open()).toBe(0));
          const access = await building;

          expect(access.unavailable).toEqual([]);
          expect(access.connections.map((c) => c.name).sort()).toEqual(['api', 'prod-aws', 'repos', 'tickets']);
          expect(Object.fromEntries(access.egressTargets.map((t) => [t.name, t.headers?.authorization]))).toEqual({
            api: `Bearer ${API_TOKEN}`,
            repos: `Bearer ${INSTALLATION_TOKEN}`,
            tickets: 'Bearer at-new',
          });
          expect(access.bundle.secrets.map((s) => [s.connection, s.kind]).sort()).toEqual([
            ['prod-aws', 'aws_session'],
            ['repos', 'git_token'],
          ]);
          expect(access.secretValues).toEqual(
            expect.arrayContaining([API_TOKEN, INSTALLATION_TOKEN, appKey, 'at-new', CLIENT_SECRET, stsKeys.SecretAccessKey]),
          );

          // Written afterwards, in a short transaction: every check, and the refreshed tokens under a new entry.
          expect((await verifiedAt(db)).rows).toEqual(['api', 'prod-aws', 'repos', 'tickets'].map((name) => ({ name, verified: true })));
          // Each check is the run's run.connection audit entry, in that transaction: names, types and codes, no secret.
          const entries = await db.owner((sql) =>
            sql.query<{ target_id: string; outcome: string; detail: Record<string, unknown> }>(
              "select target_id, outcome, detail from audit_events where action = 'run.connection' order by detail ->> 'connection'",
            ),
          );
          expect(entries.rows.map((r) => [r.target_id, r.outcome, r.detail.connection, r.detail.type, r.detail.authMode, r.detail.verified])).toEqual([
            [runId, 'success', 'api', 'http', 'service_account', true],
            [runId, 'success', 'prod-aws', 'aws', 'service_account', true],
            [runId, 'success', 'repos', 'github', 'service_account', true],
            [runId, 'success', 'tickets', 'http', 'oauth_user', true],
          ]);
          for (const secret of [API_TOKEN, INSTALLATION_TOKEN, 'at-new', CLIENT_SECRET, stsKeys.SecretAccessKey])
            expect(JSON.stringify(entries.rows)).not.toContain(secret);
          const grant = await db.tenant({ orgId: orgA, userId: null }, (sql) => findOAuthGrant(sql, ticketsId, userId));
          expect(grant!.secretRef).not.toBe(oldRef);
          expect(JSON.parse((await secrets.get(parseSecretRef(grant!.secretRef))).reveal())).toEqual({ access_token: 'at-new', refresh_token: 'rt-new' });
          await expect(secrets.get(parseSecretRef(oldRef))).rejects.toMatchObject({ code: 'secret_not_found' });
          expect((await db.owner((sql) => sql.query('select * from secret_orphans'))).rows).toEqual([]);
          expect(counted.open()).toBe(0);
        }),
      { driver },
    );
  });
});

describe('a connection left out of a run', () => {
  it('is logged for operators: an unreadable vault and a failed OAuth refresh under different codes, with their causes and no secret', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const provider = await serve((req, res) => (req.url === '/token' ? json(res, 400, { error: 'invalid_grant' }) : json(res, 200, {})));
        const oauthConnection = (name: string) => ({
          name,
          type: 'http',
          authMode: 'oauth_user',
          config: { baseUrl: provider.url, allowPrivateCidrs: loopback },
          oauth: { authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, clientId: 'remit' },
        });
        const { userId, roleId } = await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
          const user = await upsertUser(sql, { sub: 'alice', email: null });
          // Its sealed tokens are gone from the vault: unreadable.
          const lost = await seedConnection(sql, secrets, orgA, oauthConnection('lost-tokens'), { clientSecret: CLIENT_SECRET });
          await seedExpiredGrant(sql, secrets, orgA, lost, user.id, undefined);
          // The provider refuses the refresh token.
          const refused = await seedConnection(sql, secrets, orgA, oauthConnection('refused-refresh'), { clientSecret: CLIENT_SECRET });
          await seedExpiredGrant(sql, secrets, orgA, refused, user.id, { access_token: 'at-stale', refresh_token: 'rt-revoked' });
          // The connection's own credentials are gone from the vault.
          const api = await seedConnection(
            sql,
            secrets,
            orgA,
            { name: 'api', type: 'http', config: { baseUrl: provider.url, auth: { scheme: 'bearer' }, allowPrivateCidrs: loopback } },
            { token: API_TOKEN },
          );
          await secrets.delete({ orgId: orgA, scope: 'connection', ownerId: api, name: 'credentials' });
          const role = await createRole(
            sql,
            RoleCreate.parse({ name: 'sre', connections: ['lost-tokens', 'refused-refresh', 'api'], runKinds: ['troubleshoot'] }),
          );
          return { userId: user.id, roleId: role.id };
        });

        const { logger, lines } = capturingLogger();
        const access = await buildRunAccess({ db, orgId: orgA, secrets, logger }, { id: randomUUID(), roleId, userId });

        const how = (name: string) => `your authorization could not be refreshed; authorize Remit once at GET /v1/oauth/${name}/start`;
        expect([...access.unavailable].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
          { name: 'api', reason: 'its stored credentials could not be opened; an admin should save them again' },
          { name: 'lost-tokens', reason: how('lost-tokens') },
          { name: 'refused-refresh', reason: how('refused-refresh') },
        ]);
        const logged = (connection: string) =>
          lines.find((l) => l.connection === connection) as { code: string; level: number; msg: string; err: { type: string; code?: string; message: string } };
        expect(logged('lost-tokens')).toMatchObject({ code: 'user_tokens_unreadable', err: { type: 'SecretError', code: 'secret_not_found' } });
        expect(logged('refused-refresh')).toMatchObject({
          code: 'oauth_refresh_failed',
          err: { type: 'RemitError', code: 'oauth_exchange_failed', message: expect.stringContaining('invalid_grant') },
        });
        expect(logged('api')).toMatchObject({ code: 'connection_secret_unreadable', err: { type: 'SecretError', code: 'secret_not_found' } });
        expect(logged('lost-tokens').msg).not.toBe(logged('refused-refresh').msg);
        // The vault is the operator's problem (error), a refused refresh the user's (warn).
        expect([logged('lost-tokens').level, logged('refused-refresh').level, logged('api').level]).toEqual([50, 40, 50]);
        const everything = JSON.stringify(lines);
        for (const secret of [CLIENT_SECRET, API_TOKEN, 'at-stale', 'rt-revoked']) expect(everything).not.toContain(secret);
        // The run's audit entries record each failure by its code; the reasons' text stays in the transcript.
        const audited = await db.owner((sql) =>
          sql.query<{ outcome: string; detail: Record<string, unknown> }>(
            "select outcome, detail from audit_events where action = 'run.connection' order by detail ->> 'connection'",
          ),
        );
        expect(audited.rows.map((r) => [r.detail.connection, r.outcome, r.detail.verified, r.detail.failure])).toEqual([
          ['api', 'error', false, 'connection_secret_unreadable'],
          ['lost-tokens', 'error', false, 'user_tokens_unreadable'],
          ['refused-refresh', 'error', false, 'oauth_refresh_failed'],
        ]);
      }),
    );
  });
});
