import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const remit = fileURLToPath(new URL('../../../../bin/remit', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'remit-cli-'));
  try {
    const res = spawnSync(remit, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir, ...env }, timeout: 60_000 });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bin/remit', () => {
  it.each([
    ['REMIT_PORT', 'eighty', /REMIT_PORT: .*\(got "eighty"\)/],
    ['REMIT_PORT', '70000', /REMIT_PORT: /],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: /],
    ['REMIT_SANDBOX_DRIVER', 'docker', /REMIT_SANDBOX_DRIVER: .*local.*ecs/],
    ['REMIT_MASTER_KEY', 'c2hvcnQ=', /REMIT_MASTER_KEY: expected 32 bytes, base64-encoded \(value hidden\)/],
    ['REMIT_OIDC_ISSUER', 'https://idp.example.com', /REMIT_OIDC_JWKS_URL: required when REMIT_OIDC_ISSUER is set/],
    // The development issuer never runs silently where others can reach it.
    ['REMIT_HOST', '0.0.0.0', /REMIT_OIDC_ISSUER: required because REMIT_HOST is "0.0.0.0", not loopback; .*REMIT_DEV_ISSUER=1/],
    ['DATABASE_URL', 'postgres://remit@127.0.0.1:1/remit', /REMIT_OIDC_ISSUER: required because DATABASE_URL is set; .*REMIT_DEV_ISSUER=1/],
    ['DATABASE_OWNER_URL', 'postgres://owner@127.0.0.1:1/remit', /DATABASE_OWNER_URL: no longer read: DATABASE_URL is now the owner login/],
  ])('stops at start with exit 2 and names %s when it is %s', (name, value, message) => {
    const res = run(['migrate'], { [name]: value });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toContain('c2hvcnQ=');
  });

  it('prints a token alone on the last line of stdout', () => {
    const res = run(['token', '--user', 'alice@example.com', '--groups', 'developers']);
    expect(res.status).toBe(0);
    const last = res.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('rejects unknown commands and flags with exit 2', () => {
    expect(run(['frobnicate']).status).toBe(2);
    expect(run(['token', '--usr', 'x']).status).toBe(2);
  });

  it('sandbox exec runs one command in a throwaway sandbox with no network and no credentials, and exits with its code', () => {
    const res = run(
      ['sandbox', 'exec', '--', 'bash', '-c', 'echo "uid=$(id -u)"; env; (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo CONNECTED; exit 7'],
      {
        REMIT_CANARY: 'canary-f00d',
      },
    );
    expect(res.stdout).toMatch(/^uid=1000\n/);
    expect(res.stdout).not.toMatch(/canary-f00d|REMIT_/);
    expect(res.stdout).not.toContain('CONNECTED');
    expect(res.status).toBe(7);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 3, 'metadata'],
    ['http://0x7f000001/', 3, 'loopback'],
    ['file:///etc/passwd', 3, 'unsupported_scheme'],
    ['http://8.8.8.8/', 0, undefined],
  ])('egress check %s exits %i and says why, without connecting', (url, code, reason) => {
    const res = run(['egress', 'check', url]);
    expect(res.status).toBe(code);
    const verdict = JSON.parse(res.stdout.trim()) as { allowed: boolean; reason?: string };
    expect(verdict.allowed).toBe(code === 0);
    expect(verdict.reason).toBe(reason);
  });
});
