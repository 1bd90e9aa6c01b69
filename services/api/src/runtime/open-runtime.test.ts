import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@remit/core';
import { testDatabaseUrl, withTestSchema, withThrowawayLogin } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { openRuntime } from './open-runtime.ts';
import { StartupError } from './startup-error.ts';

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-runtime-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const silent = createLogger({ level: 'silent' });

describe.runIf(testDatabaseUrl)('openRuntime on PostgreSQL', () => {
  it('serves requests as remit_app, never as the owner login that ran the migrations', async () => {
    await withDataDir((dir) =>
      withTestSchema(async (schema) => {
        const config = parseConfig({ DATABASE_URL: testDatabaseUrl, REMIT_DB_SCHEMA: schema, REMIT_DATA_DIR: dir, REMIT_DEV_ISSUER: '1' });
        const rt = await openRuntime(config, silent);
        try {
          const who = await rt.db.tenant({ orgId: rt.orgId, userId: null }, (sql) =>
            sql.query<{ role: string; login: string }>('select current_user as role, session_user as login'),
          );
          expect(who.rows[0]).toEqual({ role: 'remit_app', login: 'remit_app' });
        } finally {
          await rt.close();
        }
      }),
    );
  });

  it('refuses to start on a request login that could bypass row-level security', async () => {
    await withThrowawayLogin({ attributes: 'superuser' }, (login) =>
      withDataDir((dir) =>
        withTestSchema(async (schema) => {
          const config = parseConfig({
            DATABASE_URL: testDatabaseUrl,
            REMIT_DATABASE_APP_URL: login.url,
            REMIT_DB_SCHEMA: schema,
            REMIT_DATA_DIR: dir,
            REMIT_DEV_ISSUER: '1',
          });
          const opening = openRuntime(config, silent);
          await expect(opening).rejects.toBeInstanceOf(StartupError);
          await expect(opening).rejects.toThrow(
            `refusing to serve requests as database login ${login.name}: ${login.name} is a superuser (request_login_superuser)`,
          );
        }),
      ),
    );
  });

  it('refuses to start, saying which setting to fix, when the request login cannot connect', async () => {
    await withDataDir((dir) =>
      withTestSchema(async (schema) => {
        const nobody = new URL(testDatabaseUrl!);
        nobody.username = 'remit_no_such_login';
        const config = parseConfig({
          DATABASE_URL: testDatabaseUrl,
          REMIT_DATABASE_APP_URL: nobody.toString(),
          REMIT_DB_SCHEMA: schema,
          REMIT_DATA_DIR: dir,
          REMIT_DEV_ISSUER: '1',
        });
        await expect(openRuntime(config, silent)).rejects.toThrow(
          /^the request login \(REMIT_DATABASE_APP_URL; default: DATABASE_URL as remit_app\) could not be checked: .*remit_no_such_login/,
        );
      }),
    );
  });
});
