import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl, withTestSchema, withThrowawayLogin } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';

const remit = fileURLToPath(new URL('../../../../../bin/remit', import.meta.url));

/** `bin/remit doctor` in a fresh data directory and a schema of its own, dropped afterwards. */
function doctor(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-doctor-'));
  return withTestSchema(
    (schema) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(remit, ['doctor'], {
          env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir, REMIT_DB_SCHEMA: schema, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      }),
  ).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const line = (stdout: string, name: string) => stdout.split('\n').find((l) => l.slice(2).startsWith(`${name}:`));

describe('remit doctor on the embedded database', () => {
  it('says requests switch role inside PGlite, and that the development issuer is active because the host is loopback', async () => {
    const res = await doctor({});
    expect(line(res.stdout, 'request login')).toMatch(
      /^✓ request login: embedded PGlite: one in-process connection that switches to remit_app per request transaction/,
    );
    expect(line(res.stdout, 'identity')).toMatch(/^✓ identity: development issuer \(remit token\), because loopback REMIT_HOST and embedded PGlite/);
  });
});

describe.runIf(testDatabaseUrl)('remit doctor on PostgreSQL', () => {
  it('passes the request login the migrations create, and names the OIDC issuer in use (positive control)', async () => {
    const res = await doctor({
      DATABASE_URL: testDatabaseUrl!,
      REMIT_OIDC_ISSUER: 'https://idp.example.com',
      REMIT_OIDC_JWKS_URL: 'https://idp.example.com/jwks',
    });
    expect(line(res.stdout, 'request login')).toBe(
      '✓ request login: remit_app: not a superuser, no BYPASSRLS or CREATEROLE, owns nothing, and cannot SET ROLE to a role that could',
    );
    expect(line(res.stdout, 'identity')).toMatch(/^✓ identity: OIDC issuer https:\/\/idp\.example\.com \(RS256\), because REMIT_OIDC_ISSUER is set/);
  });

  it('fails on a superuser request login, and says how to fix it', async () => {
    await withThrowawayLogin({ attributes: 'superuser' }, async (login) => {
      const res = await doctor({ DATABASE_URL: testDatabaseUrl!, REMIT_DATABASE_APP_URL: login.url, REMIT_DEV_ISSUER: '1' });
      expect(res.status).toBe(1);
      expect(line(res.stdout, 'request login')).toBe(
        `✗ request login: ${login.name} could get past row-level security: ${login.name} is a superuser (request_login_superuser)`,
      );
      expect(res.stdout).toContain(`    fix: point REMIT_DATABASE_APP_URL at remit_app, or as a superuser: alter role ${login.name} nosuperuser`);
      expect(line(res.stdout, 'identity')).toMatch(/^✓ identity: development issuer \(remit token\), because REMIT_DEV_ISSUER=1/);
    });
  });

  it('fails on a request login that may SET ROLE to the owner', async () => {
    const setup = (l: string) => `grant remit_app to ${l}; do $$ begin execute format('grant %I to ${l}', current_user); end $$`;
    await withThrowawayLogin({ setup }, async (login) => {
      const res = await doctor({ DATABASE_URL: testDatabaseUrl!, REMIT_DATABASE_APP_URL: login.url, REMIT_DEV_ISSUER: '1' });
      expect(res.status).toBe(1);
      expect(line(res.stdout, 'request login')).toMatch(
        new RegExp(
          `^✗ request login: ${login.name} could get past row-level security: ${login.name} can SET ROLE \\w+, which has SUPERUSER.*\\(request_login_can_become_privileged_role\\)$`,
        ),
      );
    });
  });
});
