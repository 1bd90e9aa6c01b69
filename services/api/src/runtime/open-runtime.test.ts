import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '@remit/core';
import { testDatabaseUrl, withTestSchema, withThrowawayLogin } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { announceServer, embeddedDatabaseOwner, runningServerUrl } from './data-dir-owner.ts';
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

describe('openRuntime on embedded PGlite', () => {
  it('holds the data directory while open, says where its server listens once announced, and lets go on close', async () => {
    await withDataDir(async (dir) => {
      const config = parseConfig({ REMIT_DATA_DIR: dir });
      expect(embeddedDatabaseOwner(config)).toBeUndefined();
      const rt = await openRuntime(config, silent);
      try {
        expect(embeddedDatabaseOwner(config)).toMatchObject({ pid: process.pid, url: undefined });
        announceServer(rt, 'http://127.0.0.1:18080');
        expect(runningServerUrl(config)).toBe('http://127.0.0.1:18080');
        // Another open of the same directory is refused, in one line that names the owner and the fix.
        const second = openRuntime(config, silent);
        await expect(second).rejects.toBeInstanceOf(StartupError);
        await expect(second).rejects.toMatchObject({ code: 'data_dir_in_use', message: expect.stringContaining(`(pid ${process.pid})`) });
      } finally {
        await rt.close();
      }
      expect(embeddedDatabaseOwner(config)).toBeUndefined();
      expect(runningServerUrl(config)).toBeUndefined();
    });
  }, 60_000);

  it('refuses while another process holds the data directory, naming its pid and REMIT_URL', async () => {
    await withDataDir(async (dir) => {
      const holder = fileURLToPath(new URL('../../../../packages/db/src/fixtures/hold-data-dir.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', holder, 'lock', dir, 'http://127.0.0.1:18081'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', () => reject(new Error('the holder exited')));
        });
        const opening = openRuntime(parseConfig({ REMIT_DATA_DIR: dir }), silent);
        await expect(opening).rejects.toThrow(
          `the data directory ${dir} is in use by hold-data-dir.ts (pid ${child.pid}) at http://127.0.0.1:18081, and embedded PGlite allows one process; stop it, or point this command at it with REMIT_URL=http://127.0.0.1:18081 and REMIT_TOKEN`,
        );
        expect(existsSync(join(dir, 'pgdata'))).toBe(false); // refused before PGlite touched anything
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    });
  });
});

describe('openRuntime refuses ordinary misconfiguration in one line', () => {
  it('names DATABASE_URL, and where it points (never its password), when nothing answers there', async () => {
    await withDataDir(async (dir) => {
      const config = parseConfig({ DATABASE_URL: 'postgres://remit_owner:hunter2@127.0.0.1:1/remit', REMIT_DATA_DIR: dir, REMIT_DEV_ISSUER: '1' });
      const opening = openRuntime(config, silent);
      await expect(opening).rejects.toBeInstanceOf(StartupError);
      await expect(opening).rejects.toMatchObject({ code: 'database_unreachable' });
      const message = await opening.catch((err: Error) => err.message);
      expect(message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/remit \(DATABASE_URL\): connection refused .*; check DATABASE_URL/);
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('\n');
    });
  });

  it('names a host that does not resolve', async () => {
    await withDataDir(async (dir) => {
      const config = parseConfig({ DATABASE_URL: 'postgres://remit_owner@db.remit-test.invalid/remit', REMIT_DATA_DIR: dir, REMIT_DEV_ISSUER: '1' });
      await expect(openRuntime(config, silent)).rejects.toThrow(
        /^cannot connect to PostgreSQL at db\.remit-test\.invalid:5432\/remit \(DATABASE_URL\): host db\.remit-test\.invalid not found/,
      );
    });
  });

  it('stops before opening anything when the OpenAI-compatible server is private and not allowed, naming REMIT_OPENAI_ALLOW_CIDRS', async () => {
    await withDataDir(async (dir) => {
      const config = parseConfig({
        REMIT_DATA_DIR: dir,
        REMIT_MODEL_PROVIDER: 'openai-compatible',
        REMIT_OPENAI_BASE_URL: 'http://10.0.5.20:8000/v1',
        REMIT_OPENAI_MODEL: 'qwen',
        REMIT_MODEL_PRICES: '{"qwen": {"inputPerMTok": 0, "outputPerMTok": 0}}',
      });
      const opening = openRuntime(config, silent);
      await expect(opening).rejects.toBeInstanceOf(ConfigError);
      await expect(opening).rejects.toMatchObject({
        details: { problems: [expect.stringMatching(/^REMIT_OPENAI_ALLOW_CIDRS: .*REMIT_OPENAI_ALLOW_CIDRS=10\.0\.5\.20\/32/)] },
      });
      expect(existsSync(join(dir, 'pgdata'))).toBe(false);
    });
  });
});
