// The OAuth provider is a fake on 127.0.0.1 whose token endpoint holds the code exchange until
// the test releases it; the flow runs through the real functions the routes call.
import { ConnectionCreate } from '@remit/core';
import { findOAuthGrant, getConnectionRecord, upsertUser, type Sql } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import { formatSecretRef, parseSecretRef } from '@remit/secrets';
import { afterEach, describe, expect, it } from 'vitest';
import { completeAuthorization, confirmAuthorization, startAuthorization } from './oauth-flow.ts';
import { createConnectionChecked } from './save-connection.ts';
import { Gate, capturingLogger, countingDb, fakeServer, json, releaseEach, withVault, type FakeServer } from './test-support.ts';

const CLIENT_SECRET = 'client-secret-5b7e';
const servers: FakeServer[] = [];
afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => s.close()))));

describe.each(testDrivers)('an OAuth authorization on %s', (driver) => {
  it('exchanges its code with no transaction open, and a second one replaces the first grant’s sealed tokens', async () => {
    await withTestDb(
      ({ db, orgA }) =>
        withVault(async (secrets) => {
          const gates: Gate[] = [];
          let issued = 0;
          const provider = await fakeServer(async (req, res, body) => {
            if (req.url !== '/token') return json(res, 200, {});
            await gates.shift()?.hold();
            const form = new URLSearchParams(body);
            if (form.get('client_secret') !== CLIENT_SECRET || !form.get('code_verifier')) return json(res, 400, { error: 'invalid_grant' });
            json(res, 200, { access_token: `at-${++issued}`, refresh_token: `rt-${issued}`, expires_in: 3600 });
          });
          servers.push(provider);
          const counted = countingDb(db);
          const tx = <T>(fn: (sql: Sql) => Promise<T>) => counted.db.tenant({ orgId: orgA, userId: null }, fn);
          const deps = { secrets, orgId: orgA, logger: capturingLogger().logger };
          const connection = await createConnectionChecked(
            deps,
            { tx, write: tx },
            ConnectionCreate.parse({
              name: 'tickets',
              type: 'http',
              authMode: 'oauth_user',
              config: { baseUrl: provider.url, allowPrivateCidrs: ['127.0.0.1/32'] },
              oauth: { authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, clientId: 'remit' },
              secret: { clientSecret: CLIENT_SECRET },
            }),
          );
          const userId = (await tx((sql) => upsertUser(sql, { sub: 'alice', email: null }))).id;

          /** Start, confirm in a browser, and come back with a code, as the routes do; the exchange is held at `gate`. */
          const authorize = async (gate: Gate) => {
            const record = await tx((sql) => getConnectionRecord(sql, { id: connection.id }));
            const { state } = await startAuthorization(deps, { tx, write: tx }, record, userId, 'http://remit.test/v1/oauth/tickets/callback');
            const confirmed = await confirmAuthorization(deps, tx, { connectionName: 'tickets', state });
            expect(new URL(confirmed.providerUrl).searchParams.get('code_challenge_method')).toBe('S256');
            gates.push(gate);
            const completing = completeAuthorization(deps, tx, {
              connectionName: 'tickets',
              state,
              browserValue: confirmed.browserValue,
              code: 'a-code',
              error: undefined,
              requestId: 'req-1',
            });
            await releaseEach([gate], () => expect(counted.open()).toBe(0));
            await completing;
            return tx((sql) => findOAuthGrant(sql, connection.id, userId));
          };

          const first = await authorize(new Gate());
          expect(JSON.parse((await secrets.get(parseSecretRef(first!.secretRef))).reveal())).toEqual({ access_token: 'at-1', refresh_token: 'rt-1' });
          const second = await authorize(new Gate());
          expect(JSON.parse((await secrets.get(parseSecretRef(second!.secretRef))).reveal())).toEqual({ access_token: 'at-2', refresh_token: 'rt-2' });

          // Left in the vault: the client secret and the current grant's tokens. The first grant's
          // tokens and both PKCE verifiers were deleted after the transactions that let go of them.
          const sealed = (await secrets.list({ orgId: orgA })).map(formatSecretRef);
          expect(sealed).toHaveLength(2);
          expect(sealed).toContain(second!.secretRef);
          expect((await db.owner((sql) => sql.query('select * from secret_orphans'))).rows).toEqual([]);
        }),
      { driver },
    );
  });
});
