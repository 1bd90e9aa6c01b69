import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PURGED_PERSONAL, appendAudit, readAuditPersonal, verifyAuditChain } from '@remit/audit';
import { UserPurged } from '@remit/core';
import {
  appendRunEvent,
  createConsoleSession,
  createOAuthState,
  createRun,
  findRole,
  upsertGithubLink,
  upsertOAuthGrant,
  type Database,
  type Sql,
} from '@remit/db';
import { testDrivers } from '@remit/db/testing';
import { SecretValue, formatSecretRef, type SecretRef } from '@remit/secrets';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

// Distinctive values that appear nowhere else, so any trace of them after the purge is a leak.
const EMAIL = 'Zelda.Quux-7f3a@purge-test.example';
const NAME = 'Zelda Quuxington-Prynne';
const SUB = 'idp|sub-9c1e5b7a-purge';
const GITHUB_LOGIN = 'zelda-quux-gh-4d2c';
const PLANTED = [EMAIL, NAME, SUB, GITHUB_LOGIN];

/**
 * Every spelling a value could be stored in: raw (any case), URL-encoded, JSON-escaped, hex,
 * and base64/base64url at each of the three alignments it can take inside a longer encoding.
 */
function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), bytes.toString('hex')];
  for (const pad of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(pad), bytes]);
    for (const enc of ['base64', 'base64url'] as const) {
      // Characters touched by the padding or by the end of the value depend on what surrounds it.
      const text = shifted.toString(enc).replace(/=+$/, '');
      forms.push(text.slice(Math.ceil((pad * 4) / 3), text.length - 3));
    }
  }
  return [...new Set(forms)];
}

/** Every planted value found in `text`, with the form it was found in. */
function leaks(where: string, text: string): string[] {
  const lower = text.toLowerCase();
  return PLANTED.flatMap((v) =>
    encodedForms(v)
      .filter((f) => lower.includes(f.toLowerCase()))
      .map((f) => `${where}: ${v} as ${f}`),
  );
}

/** Each row of every table in the schema, as text. */
async function scanTables(db: Database): Promise<string[]> {
  return db.owner(async (sql) => {
    const tables = await sql.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1`,
      [db.schema],
    );
    expect(tables.rows.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const { name } of tables.rows) {
      const rows = await sql.query<{ row: string }>(`select t::text as row from "${db.schema}"."${name}" t`);
      for (const r of rows.rows) found.push(...leaks(`table ${name}`, r.row));
    }
    return found;
  });
}

async function scanFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.push(...leaks(path, (await readFile(path)).toString('latin1')));
  }
  return found;
}

interface Planted {
  userId: string;
  secretRefs: string[];
  runId: string;
  seqs: { own: number; orgKey: number };
}

/** A user with everything a person leaves behind, planted through the same functions the app uses. */
async function plant(t: TestApp, admin: string): Promise<Planted> {
  const token = await t.issuer.sign({ sub: SUB, email: EMAIL, groups: ['purge-team'] });
  expect((await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'dev', runKinds: ['troubleshoot'] } })).status).toBe(201);
  const bound = await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'dev', subject: { kind: 'user', email: EMAIL } } });
  expect(bound.status).toBe(201);
  const { userId } = (await (await t.request('/v1/me', { token })).json()) as { userId: string };

  const connectionId = await t.db.owner(async (sql) => {
    const res = await sql.query<{ id: string }>(
      `insert into connections (org_id, name, type, auth_mode, config) values ($1, 'tickets', 'http', 'oauth_user', '{}') returning id`,
      [t.orgId],
    );
    return res.rows[0]!.id;
  });
  const tokens: SecretRef = { orgId: t.orgId, scope: 'oauth_user', ownerId: `${connectionId}:${userId}`, name: 'tokens-1' };
  const verifier: SecretRef = { ...tokens, name: 'pkce-1' };
  const stray: SecretRef = { ...tokens, name: 'tokens-0' }; // sealed by a save that died: no row refers to it
  for (const ref of [tokens, verifier, stray]) await t.secrets.put(ref, new SecretValue(`at-for-${EMAIL}`));

  const asUser = <T>(fn: (sql: Sql) => Promise<T>) => t.db.tenant({ orgId: t.orgId, userId }, fn);
  const run = await asUser(async (sql) => {
    await upsertOAuthGrant(sql, { connectionId, userId, secretRef: formatSecretRef(tokens), expiresAt: null, scopes: ['read'] });
    await createOAuthState(sql, 'state-hash-1', {
      connectionId,
      userId,
      codeVerifierRef: formatSecretRef(verifier),
      redirectUri: 'http://remit.test/cb',
      ttlSeconds: 600,
    });
    await createConsoleSession(sql, 'session-hash-1', { userId, sub: SUB, email: EMAIL, groups: ['purge-team'], csrfToken: 'csrf', ttlSeconds: 600 });
    await upsertGithubLink(sql, { githubId: 4242, githubLogin: GITHUB_LOGIN, userId, roleId: null, linkedBy: 'oauth' });
    const role = await findRole(sql, { name: 'dev' });
    const created = await createRun(sql, {
      kind: 'troubleshoot',
      roleId: role!.id,
      userId,
      trigger: { type: 'user', userId, note: NAME },
      input: `Why can ${NAME} (${EMAIL}) not pay?`,
      maxDurationSeconds: 60,
      maxSteps: 5,
    });
    await appendRunEvent(sql, created.id, 'status', { status: 'running', reason: `for ${NAME}` } as never);
    const own = await appendAudit(sql, { actorId: userId, action: 'test.personal', outcome: 'success', personal: { email: EMAIL, name: NAME, sub: SUB } });
    const orgKey = await appendAudit(sql, { actorId: null, action: 'test.anonymous', outcome: 'denied', personal: { source: '192.0.2.1', email: EMAIL } });
    return { id: created.id, seqs: { own: own.seq, orgKey: orgKey.seq } };
  });
  await t.db.owner(async (sql) => {
    await sql.query(`update runs set status = 'succeeded', result = $2, finished_at = now() where id = $1`, [run.id, { answer: `Dear ${NAME}` }]);
    await sql.query(
      `insert into webhook_deliveries (org_id, source, delivery_id, event, payload, outcome, author_login, run_id)
       values ($1, 'github', 'd-1', 'pull_request', $2, 'queued', $3, $4)`,
      [t.orgId, JSON.stringify({ sender: { login: GITHUB_LOGIN } }), GITHUB_LOGIN, run.id],
    );
  });
  return { userId, secretRefs: [tokens, verifier, stray].map(formatSecretRef), runId: run.id, seqs: run.seqs };
}

describe.each(testDrivers)('DELETE /v1/admin/users/{id} on %s', (driver) => {
  it('leaves no trace of the user in any table, the vault or the logs, raw or encoded, and the audit chain still verifies', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const planted = await plant(t, admin);
        // The scan does find what was planted, so an empty scan afterwards means something.
        const before = new Set((await scanTables(t.db)).map((leak) => leak.split(':')[0]));
        expect([...before].sort()).toEqual(
          ['console_sessions', 'github_links', 'role_bindings', 'run_events', 'runs', 'users', 'webhook_deliveries'].map((name) => `table ${name}`),
        );

        const found = await t.request(`/v1/admin/users?email=${encodeURIComponent(EMAIL.toUpperCase())}`, { token: admin });
        expect(found.status).toBe(200);
        expect(((await found.json()) as { items: { id: string }[] }).items.map((u) => u.id)).toEqual([planted.userId]);

        const res = await t.request(`/v1/admin/users/${planted.userId}`, { method: 'DELETE', token: admin });
        expect(res.status).toBe(200);
        const purged = UserPurged.parse(await res.json());
        expect(purged).toMatchObject({ id: planted.userId, alreadyPurged: false });
        expect(purged.removed).toEqual({
          bindings: 1,
          oauthGrants: 1,
          oauthStates: 1,
          sealedSecrets: 3,
          githubLinks: 1,
          consoleSessions: 1,
          webhookDeliveries: 1,
          runs: 1,
          runEvents: 1,
          auditKeys: 1,
          auditPersonal: 2, // the admin's binding entry and the actor-less entry named the email
        });

        expect(await scanTables(t.db)).toEqual([]);
        expect(await scanFiles(t.dataDir)).toEqual([]);
        expect(t.rawLogs.flatMap((line) => leaks('log', line))).toEqual([]);
        for (const ref of planted.secretRefs) expect(await t.secrets.list({ orgId: t.orgId, scope: 'oauth_user' })).not.toContainEqual(ref);
        expect(await t.secrets.list({ orgId: t.orgId, scope: 'oauth_user' })).toEqual([]);

        expect(await verifyAuditChain(t.db, t.orgId)).toMatchObject({ ok: true });
        const ctx = { orgId: t.orgId, userId: null };
        const personal = await t.db.tenant(ctx, (sql) => readAuditPersonal(sql, [planted.seqs.own, planted.seqs.orgKey]));
        expect(personal.get(planted.seqs.own)).toEqual(PURGED_PERSONAL);
        expect(personal.has(planted.seqs.orgKey)).toBe(false);
        const entry = await t.db.tenant(ctx, (sql) =>
          sql.query<{ actor_id: string; target_id: string; detail: Record<string, unknown> }>(
            `select actor_id, target_id, detail from audit_events where action = 'user.purge'`,
          ),
        );
        expect(entry.rows).toHaveLength(1);
        expect(entry.rows[0]).toMatchObject({ target_id: planted.userId, detail: { alreadyPurged: false, removed: purged.removed } });

        const run = await t.request(`/v1/runs/${planted.runId}`, { token: admin });
        expect(await run.json()).toMatchObject({ id: planted.runId, input: '', answer: null, userEmail: null, status: 'succeeded' });

        // The same identity signing in again is a new, empty user: the tombstone never comes back.
        const again = await t.issuer.sign({ sub: SUB, email: EMAIL, groups: [] });
        const me = (await (await t.request('/v1/me', { token: again })).json()) as { userId: string; roles: string[] };
        expect(me.userId).not.toBe(planted.userId);
        expect(me.roles).toEqual([]);
      },
      { driver },
    );
  });

  it('a second purge is harmless: 200, alreadyPurged, nothing left to remove; the email finds no one', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const token = await t.issuer.sign({ sub: SUB, email: EMAIL, groups: [] });
        const me = (await (await t.request('/v1/me', { token })).json()) as { userId: string };
        expect((await t.request(`/v1/admin/users/${me.userId}`, { method: 'DELETE', token: admin })).status).toBe(200);
        const second = await t.request(`/v1/admin/users/${me.userId}`, { method: 'DELETE', token: admin });
        expect(second.status).toBe(200);
        const body = UserPurged.parse(await second.json());
        expect(body.alreadyPurged).toBe(true);
        expect(Object.values(body.removed).every((n) => n === 0)).toBe(true);
        const found = await t.request(`/v1/admin/users?email=${encodeURIComponent(EMAIL)}`, { token: admin });
        expect(await found.json()).toEqual({ items: [] });
        expect(await verifyAuditChain(t.db, t.orgId)).toMatchObject({ ok: true, checked: 2 });
      },
      { driver },
    );
  });

  it('refuses a non-admin (403), an unknown user (404), a malformed id (400) and a user with an unfinished run (409), removing nothing', async () => {
    await withTestApp(
      async (t) => {
        const admin = await t.adminToken();
        const victim = await t.tokenFor({ email: 'victim@example.com' });
        const victimId = ((await (await t.request('/v1/me', { token: victim })).json()) as { userId: string }).userId;
        const attacker = await t.tokenFor({ email: 'mallory@example.com' });

        for (const [path, token, status, code] of [
          [`/v1/admin/users/${victimId}`, attacker, 403, 'forbidden'],
          [`/v1/admin/users/${victimId}`, undefined, 401, 'missing_token'],
          ['/v1/admin/users/7d0e0f3c-1111-4222-8333-944455556666', admin, 404, 'not_found'],
          ['/v1/admin/users/not-a-uuid', admin, 400, undefined],
        ] as const) {
          const err = await errorOf(await t.request(path, { method: 'DELETE', ...(token ? { token } : {}) }));
          expect(err.status, path).toBe(status);
          if (code) expect(err.code).toBe(code);
        }
        expect((await errorOf(await t.request('/v1/admin/users?email=victim@example.com', { token: attacker }))).status).toBe(403);

        await t.db.owner(async (sql) => {
          const role = await sql.query<{ id: string }>(
            `insert into roles (org_id, name, run_kinds, max_duration_seconds, max_steps) values ($1, 'dev', '{troubleshoot}', 60, 5) returning id`,
            [t.orgId],
          );
          await sql.query(`insert into runs (org_id, kind, role_id, user_id, trigger, input) values ($1, 'troubleshoot', $2, $3, '{}', 'still going')`, [
            t.orgId,
            role.rows[0]!.id,
            victimId,
          ]);
        });
        const busy = await errorOf(await t.request(`/v1/admin/users/${victimId}`, { method: 'DELETE', token: admin }));
        expect(busy).toMatchObject({ status: 409, code: 'in_use' });

        const left = await t.db.owner((sql) =>
          sql.query<{ email: string | null; purged: boolean }>(`select email, purged_at is not null as purged from users where id = $1`, [victimId]),
        );
        expect(left.rows[0]).toEqual({ email: 'victim@example.com', purged: false });
        const purges = await t.db.owner((sql) => sql.query(`select 1 from audit_events where action = 'user.purge'`));
        expect(purges.rows).toEqual([]);
      },
      { driver },
    );
  });
});
