import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl, withTestSchema, withThrowawayLogin } from '@remit/db/testing';
import { fakeOpenAIServers, json } from '@remit/models/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const remit = fileURLToPath(new URL('../../../../../bin/remit', import.meta.url));

// One data directory for the file's runs (unless a test names its own): each run works in a
// schema of its own, and PGlite's initdb costs seconds per fresh directory (~4 s each on a busy
// 2-core machine), which only the first run here pays.
let sharedDataDir: string;
beforeAll(() => {
  sharedDataDir = mkdtempSync(join(tmpdir(), 'remit-doctor-'));
});
afterAll(() => rmSync(sharedDataDir, { recursive: true, force: true }));

/** `bin/remit doctor` in the file's data directory (unless `env` names one) and a schema of its own, dropped afterwards. */
function doctor(env: Record<string, string>, args: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return withTestSchema(
    (schema) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(remit, ['doctor', ...args], {
          env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: sharedDataDir, REMIT_DB_SCHEMA: schema, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      }),
  );
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

describe('remit doctor --json', () => {
  it('prints one JSON document: every check with ok, detail and (when failing) its fix; the exit code agrees', async () => {
    const res = await doctor({ REMIT_SANDBOX_DRIVER: 'local' }, ['--json']);
    const report = JSON.parse(res.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string; fix: string | null }[] };
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['node', 'data directory', 'database', 'identity']));
    expect(report.ok).toBe(report.checks.every((c) => c.ok));
    expect(res.status).toBe(report.ok ? 0 : 1);
    for (const c of report.checks) expect(c.fix === null, c.name).toBe(c.ok);
    expect(report.checks.find((c) => c.name === 'identity')).toMatchObject({ ok: true, detail: expect.stringContaining('development issuer') });
  });
});

describe('remit doctor’s live checks', () => {
  const startModelServer = fakeOpenAIServers(afterEach);

  it('reaches the OpenAI-compatible server through the egress guard, and creates and destroys a real sandbox', async () => {
    const server = await startModelServer(json(200, { object: 'list', data: [{ id: 'llama-3.3-70b', object: 'model' }] }));
    const res = await doctor({
      REMIT_MODEL_PROVIDER: 'openai-compatible',
      REMIT_OPENAI_BASE_URL: server.baseUrl,
      REMIT_OPENAI_MODEL: 'llama-3.3-70b',
      REMIT_OPENAI_ALLOW_CIDRS: '127.0.0.1/32',
      REMIT_MODEL_PRICES: '{"llama-": {"inputPerMTok": 0, "outputPerMTok": 0}}',
    });
    expect(line(res.stdout, 'model')).toBe(
      `✓ model: GET ${server.baseUrl}/models answered 200 and lists llama-3.3-70b (REMIT_OPENAI_MODEL), reached through the egress guard`,
    );
    expect(server.seen).toMatchObject([{ method: 'GET', path: '/v1/models' }]);
    expect(line(res.stdout, 'sandbox driver')).toMatch(
      /^✓ sandbox driver: local \(bubblewrap\): created a sandbox, ran true in it and destroyed it in \d+ ms; limit enforcement (v2|v1|none) /,
    );
    expect(line(res.stdout, 'identity')).toMatch(/^✓ identity: development issuer/);
  });

  it('fails the model line, naming the variable to set, when the server does not serve the configured model', async () => {
    const server = await startModelServer(json(200, { object: 'list', data: [{ id: 'qwen-2.5', object: 'model' }] }));
    const res = await doctor({
      REMIT_MODEL_PROVIDER: 'openai-compatible',
      REMIT_OPENAI_BASE_URL: server.baseUrl,
      REMIT_OPENAI_MODEL: 'llama-3.3-70b',
      REMIT_OPENAI_ALLOW_CIDRS: '127.0.0.1/32',
      REMIT_MODEL_PRICES: '{"llama-": {"inputPerMTok": 0, "outputPerMTok": 0}}',
    });
    expect(res.status).toBe(1);
    expect(line(res.stdout, 'model')).toMatch(/^✗ model: .*does not list "llama-3\.3-70b" \(REMIT_OPENAI_MODEL\)$/);
    expect(res.stdout).toContain('    fix: set REMIT_OPENAI_MODEL to a model it serves: qwen-2.5');
  });

  it('asks the server that owns the embedded database instead of opening it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'remit-doctor-owned-'));
    const readyz = createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());
    await new Promise<void>((resolve) => readyz.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(readyz.address() as AddressInfo).port}`;
    const holder = fileURLToPath(new URL('../../../../../packages/db/src/fixtures/hold-data-dir.ts', import.meta.url));
    const owner = spawn(process.execPath, ['--import', 'tsx', holder, 'lock', dir, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => owner.once('exit', resolve));
    try {
      await new Promise((resolve) => owner.stdout.once('data', resolve));
      const res = await doctor({ REMIT_DATA_DIR: dir });
      expect(line(res.stdout, 'database')).toBe(
        `✓ database: embedded PGlite, owned by hold-data-dir.ts (pid ${owner.pid}) at ${url}: GET /readyz answered 200; row-level security and the request login were checked when it started`,
      );
    } finally {
      owner.kill('SIGTERM');
      await exited;
      readyz.close();
      rmSync(dir, { recursive: true, force: true });
    }
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
