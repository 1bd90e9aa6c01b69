// The upstream a connection points at is a fake on 127.0.0.1 that can hold its verification
// request until the test releases it; the vault is a real local vault, wrapped where a test
// needs it to refuse deletes.
import { ConnectionCreate, type Connection, type ConnectionUpdate } from '@remit/core';
import { createOAuthState, getConnectionRecord, updateConnection, upsertOAuthGrant, upsertUser, type Database } from '@remit/db';
import { testDrivers, withTestDb } from '@remit/db/testing';
import type { SandboxDriver } from '@remit/sandbox';
import { SecretError, SecretValue, formatSecretRef, type SecretStore } from '@remit/secrets';
import { afterEach, describe, expect, it } from 'vitest';
import { startMaintenance } from '../maintenance.ts';
import { createConnectionChecked, deleteConnectionChecked, updateConnectionChecked } from './save-connection.ts';
import { Gate, capturingLogger, countingDb, fakeServer, json, releaseEach, withVault, type FakeServer } from './test-support.ts';
import type { Transactions } from './transact.ts';

const loopback = ['127.0.0.1/32'];
const servers: FakeServer[] = [];
afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => s.close()))));

/** An API that accepts the tokens in `good`; `gates`, when set, hold its verification requests one by one. */
async function upstream(good: string[], gates: Gate[] = []): Promise<FakeServer> {
  const server = await fakeServer(async (req, res) => {
    await gates.shift()?.hold();
    json(res, good.some((t) => req.headers.authorization === `Bearer ${t}`) ? 200 : 401, {});
  });
  servers.push(server);
  return server;
}

const api = (url: string, token: string, name = 'api') =>
  ConnectionCreate.parse({
    name,
    type: 'http',
    config: { baseUrl: url, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: loopback },
    secret: { token },
  });

/** What the admin routes give a save: short transactions of its own for reads, one for the write. */
const transactions = (db: Database, orgId: string): Transactions<Connection> => {
  const tx = <T>(fn: Parameters<Database['tenant']>[1]) => db.tenant({ orgId, userId: null }, fn) as Promise<T>;
  return { tx, write: tx };
};

const orphans = (db: Database) => db.owner((sql) => sql.query<{ secret_ref: string; attempts: number }>('select secret_ref, attempts from secret_orphans'));

/** The vault, with deletes refused while `refuse` is set (a Secrets Manager outage, a full disk). */
function refusingDeletes(store: SecretStore): SecretStore & { refuse: boolean } {
  return {
    refuse: false,
    put: (ref, value) => store.put(ref, value),
    get: (ref) => store.get(ref),
    list: (prefix) => store.list(prefix),
    async delete(ref) {
      if (this.refuse) throw new SecretError('secret_store_unavailable');
      return store.delete(ref);
    },
  };
}

const idleSandboxes = { name: 'idle', list: async () => [], destroy: async () => undefined } as unknown as SandboxDriver;

describe.each(testDrivers)('saving a connection on %s', (driver) => {
  it('verifies it live with no transaction open, on create and on update, then writes', async () => {
    await withTestDb(
      ({ db, orgA }) =>
        withVault(async (secrets) => {
          const gates = [new Gate(), new Gate()];
          const server = await upstream(['token-1', 'token-2'], [...gates]);
          const counted = countingDb(db);
          const deps = { secrets, orgId: orgA, logger: capturingLogger().logger };
          const t = transactions(counted.db, orgA);

          const creating = createConnectionChecked(deps, t, api(server.url, 'token-1'));
          await releaseEach([gates[0]!], () => expect(counted.open()).toBe(0));
          expect(await creating).toMatchObject({ name: 'api', hasSecret: true, verifiedAt: expect.any(String) });

          const updating = updateConnectionChecked(deps, t, { name: 'api' }, { secret: { token: 'token-2' } });
          await releaseEach([gates[1]!], () => expect(counted.open()).toBe(0));
          await updating;
          expect(server.seen).toEqual(['GET /status', 'GET /status']);
          // The replaced secret went after the commit; nothing is left listed.
          expect(await secrets.list({ orgId: orgA })).toHaveLength(1);
          expect((await orphans(db)).rows).toEqual([]);
        }),
      { driver },
    );
  });

  it('that fails in its write leaves no sealed secret behind', async () => {
    await withTestDb(
      ({ db, orgA }) =>
        withVault(async (secrets) => {
          const server = await upstream(['token-1', 'token-2']);
          const deps = { secrets, orgId: orgA, logger: capturingLogger().logger };
          await createConnectionChecked(deps, transactions(db, orgA), api(server.url, 'token-1'));
          const sealed = await secrets.list({ orgId: orgA });

          // Verified and sealed, then refused by the database: the name is taken.
          await expect(createConnectionChecked(deps, transactions(db, orgA), api(server.url, 'token-2'))).rejects.toMatchObject({ code: 'already_exists' });
          expect(await secrets.list({ orgId: orgA })).toEqual(sealed);
          expect((await orphans(db)).rows).toEqual([]);
        }),
      { driver },
    );
  });
});

describe('a save', () => {
  it('that raced another write while it was being verified is refused with 409 in_use, and its new secret is deleted', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const gates: Gate[] = [];
        const server = await upstream(['token-1', 'token-2'], gates);
        const deps = { secrets, orgId: orgA, logger: capturingLogger().logger };
        const t = transactions(db, orgA);
        await createConnectionChecked(deps, t, api(server.url, 'token-1'));
        const sealed = await secrets.list({ orgId: orgA });

        const gate = new Gate();
        gates.push(gate);
        const updating = updateConnectionChecked(deps, t, { name: 'api' }, { secret: { token: 'token-2' } });
        await gate.arrived;
        // Another admin's change lands while the first one's live check is out.
        await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
          const current = await getConnectionRecord(sql, { name: 'api' });
          await updateConnection(sql, current.id, {
            description: 'changed meanwhile',
            authMode: current.authMode,
            config: { ...current.config, verifyPath: '/' },
          });
        });
        gate.release();
        await expect(updating).rejects.toMatchObject({ code: 'in_use' });
        expect(await secrets.list({ orgId: orgA })).toEqual(sealed);
        expect((await orphans(db)).rows).toEqual([]);
      }),
    );
  });

  it('whose sealed secret the vault refuses to delete leaves it listed, logged, and the maintenance sweep deletes it', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (vault) => {
        const secrets = refusingDeletes(vault);
        const server = await upstream(['token-1', 'token-2']);
        const { logger, lines } = capturingLogger();
        const deps = { secrets, orgId: orgA, logger };
        await createConnectionChecked(deps, transactions(db, orgA), api(server.url, 'token-1'));
        const sealed = await secrets.list({ orgId: orgA });

        secrets.refuse = true;
        await expect(createConnectionChecked(deps, transactions(db, orgA), api(server.url, 'token-2'))).rejects.toMatchObject({ code: 'already_exists' });
        const [left] = (await secrets.list({ orgId: orgA })).filter((r) => !sealed.some((s) => formatSecretRef(s) === formatSecretRef(r)));
        expect(left).toBeDefined();
        expect((await orphans(db)).rows).toEqual([{ secret_ref: formatSecretRef(left!), attempts: 1 }]);
        expect(lines).toContainEqual(
          expect.objectContaining({
            code: 'secret_delete_failed',
            secretRef: formatSecretRef(left!),
            err: expect.objectContaining({ code: 'secret_store_unavailable' }),
          }),
        );

        // Still refusing: the sweep tries, logs, and keeps it listed for the next pass.
        await db.owner((sql) => sql.query(`update secret_orphans set due_at = now()`));
        const maintenance = startMaintenance({ db, orgId: orgA, sandboxes: idleSandboxes, secrets, logger }, { everyMs: 60_000 });
        await maintenance.runOnce();
        expect((await orphans(db)).rows).toEqual([{ secret_ref: formatSecretRef(left!), attempts: 2 }]);

        // The vault is back: the next due pass deletes it and takes it off the list.
        secrets.refuse = false;
        await db.owner((sql) => sql.query(`update secret_orphans set due_at = now()`));
        await maintenance.runOnce();
        await maintenance.stop();
        expect(await secrets.list({ orgId: orgA })).toEqual(sealed);
        expect((await orphans(db)).rows).toEqual([]);
      }),
    );
  });

  it('of a deleted connection deletes its users’ sealed tokens and verifiers too, which the rows’ cascade would have left behind', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const server = await upstream([]);
        const deps = { secrets, orgId: orgA, logger: capturingLogger().logger };
        const t = transactions(db, orgA);
        const created = await createConnectionChecked(
          deps,
          t,
          ConnectionCreate.parse({
            name: 'tickets',
            type: 'http',
            authMode: 'oauth_user',
            config: { baseUrl: server.url, allowPrivateCidrs: loopback },
            oauth: { authorizeUrl: `${server.url}/authorize`, tokenUrl: `${server.url}/token`, clientId: 'remit' },
            secret: { clientSecret: 'client-secret' },
          }),
        );
        await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
          const user = await upsertUser(sql, { sub: 'alice', email: null });
          const tokens = { orgId: orgA, scope: 'oauth_user' as const, ownerId: `${created.id}:${user.id}`, name: 'tokens-1' };
          const verifier = { ...tokens, name: 'pkce-1' };
          await secrets.put(tokens, new SecretValue('{"access_token":"at"}'));
          await secrets.put(verifier, new SecretValue('verifier'));
          await upsertOAuthGrant(sql, { connectionId: created.id, userId: user.id, secretRef: formatSecretRef(tokens), expiresAt: null, scopes: [] });
          await createOAuthState(sql, 'state-hash', {
            connectionId: created.id,
            userId: user.id,
            codeVerifierRef: formatSecretRef(verifier),
            redirectUri: 'http://remit.test/cb',
            ttlSeconds: 600,
          });
        });
        expect(await secrets.list({ orgId: orgA })).toHaveLength(3);

        await deleteConnectionChecked(deps, t, { name: 'tickets' });
        expect(await secrets.list({ orgId: orgA })).toEqual([]);
        expect((await orphans(db)).rows).toEqual([]);
      }),
    );
  });

  it('an update refused before its write changes nothing and seals nothing', async () => {
    await withTestDb(({ db, orgA }) =>
      withVault(async (secrets) => {
        const server = await upstream(['token-1']);
        const deps = { secrets, orgId: orgA, logger: capturingLogger().logger };
        const t = transactions(db, orgA);
        await createConnectionChecked(deps, t, api(server.url, 'token-1'));
        const sealed = await secrets.list({ orgId: orgA });
        const refused: ConnectionUpdate[] = [{ secret: { token: 'wrong-token' } }, { config: { baseUrl: server.url, auth: { scheme: 'basic' } } }];
        for (const patch of refused) await expect(updateConnectionChecked(deps, t, { name: 'api' }, patch)).rejects.toBeInstanceOf(Error);
        expect(await secrets.list({ orgId: orgA })).toEqual(sealed);
        expect((await orphans(db)).rows).toEqual([]);
      }),
    );
  });
});
