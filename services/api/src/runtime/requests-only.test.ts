import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@remit/core';
import { DatabaseError } from '@remit/db';
import { testAppUrl, testDatabaseUrl, withTestSchema } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../http/create-app.ts';
import { createLogger } from '../logging/logger.ts';
import { openRuntime } from './open-runtime.ts';
import { StartupError } from './startup-error.ts';

const remit = fileURLToPath(new URL('../../../../bin/remit', import.meta.url));
const silent = createLogger({ level: 'silent' });

/** `bin/remit migrate` as the AWS migrations task runs it: the owner's URL and the request login's. */
function migrateTask(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(remit, ['migrate'], { env: { PATH: process.env.PATH ?? '', REMIT_DEV_ISSUER: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A fresh data directory and schema; `env` is what the service gets: the request login alone. */
async function withService<T>(fn: (ctx: { dir: string; schema: string; serviceEnv: Record<string, string> }) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-requests-only-'));
  try {
    return await withTestSchema((schema) =>
      fn({
        dir,
        schema,
        serviceEnv: { REMIT_DATABASE_APP_URL: testAppUrl!, REMIT_DB_SCHEMA: schema, REMIT_DATA_DIR: dir, REMIT_DEV_ISSUER: '1', REMIT_ORG: 'acme' },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(testDatabaseUrl)('a requests-only service (REMIT_DATABASE_APP_URL without DATABASE_URL, as on AWS)', () => {
  it('refuses to start before `remit migrate`, in one line naming the fix', async () => {
    await withService(async ({ serviceEnv }) => {
      const opening = openRuntime(parseConfig(serviceEnv), silent);
      await expect(opening).rejects.toBeInstanceOf(StartupError);
      await expect(opening).rejects.toMatchObject({ code: 'schema_behind' });
      const message = await opening.catch((err: Error) => err.message);
      expect(message).toMatch(/lacks \d+ migration\(s\) this release needs .*; run `remit migrate` with DATABASE_URL \(the owner\) first$/);
      expect(message).not.toContain('\n');
    });
  });

  it('serves after `remit migrate`, as remit_app, with no owner pool', async () => {
    await withService(async ({ schema, serviceEnv }) => {
      const task = await migrateTask({ ...serviceEnv, DATABASE_URL: testDatabaseUrl! });
      expect(task, task.stderr).toMatchObject({ status: 0, stdout: expect.stringContaining('org acme ready') });
      expect(task.stdout).toMatch(/^applied \d+ migration\(s\): 0001_foundation\.sql, .*0010_requests_only\.sql[,\n]/);
      const rt = await openRuntime(parseConfig(serviceEnv), silent);
      try {
        const res = await createApp(rt).request('/readyz');
        expect(res.status).toBe(200);
        const who = await rt.db.tenant({ orgId: rt.orgId, userId: null }, (sql) =>
          sql.query<{ login: string; slug: string }>('select session_user as login, (select slug from orgs) as slug'),
        );
        expect(who.rows[0]).toEqual({ login: 'remit_app', slug: 'acme' });
        const owner = rt.db.owner((sql) => sql.query('select 1'));
        await expect(owner).rejects.toBeInstanceOf(DatabaseError);
        await expect(owner).rejects.toMatchObject({ code: 'owner_unavailable' });
        expect(rt.db.schema).toBe(schema);
      } finally {
        await rt.close();
      }
    });
  });

  it('refuses an org `remit migrate` did not create, naming REMIT_ORG', async () => {
    await withService(async ({ serviceEnv }) => {
      expect((await migrateTask({ ...serviceEnv, DATABASE_URL: testDatabaseUrl! })).status).toBe(0);
      const opening = openRuntime(parseConfig({ ...serviceEnv, REMIT_ORG: 'someone-else' }), silent);
      await expect(opening).rejects.toMatchObject({ code: 'org_missing' });
      await expect(opening).rejects.toThrow(
        `the org "someone-else" (REMIT_ORG) is not in the database schema ${serviceEnv.REMIT_DB_SCHEMA}; run \`remit migrate\` with REMIT_ORG=someone-else and DATABASE_URL (the owner) first`,
      );
    });
  });

  it('`remit migrate` without DATABASE_URL refuses: the request login changes no schema', async () => {
    await withService(async ({ serviceEnv }) => {
      const task = await migrateTask(serviceEnv);
      expect(task.status).toBe(2);
      expect(task.stderr).toContain('remit migrate runs as the schema owner: set DATABASE_URL');
    });
  });
});
