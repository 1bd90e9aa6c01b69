import { describe, expect, it } from 'vitest';
import { exploreLines } from './demo.ts';

describe('the demo’s “explore it” lines', () => {
  const lines = (dataDir: string | undefined) =>
    exploreLines({ url: 'http://127.0.0.1:8080', runId: 'r-1', dataDir, user: { email: 'alice@example.com', groups: ['developers'] } });

  it('set every variable before a line uses it, so each can be pasted in order into a new shell', () => {
    const set = new Set<string>();
    for (const line of lines(undefined)) {
      for (const [, name] of line.matchAll(/\$([A-Z_]+)/g)) expect(set, `${line} uses $${name}`).toContain(name);
      for (const [, name] of line.matchAll(/(?:export |\s)([A-Z_]+)=/g)) set.add(name!);
    }
    expect(set).toEqual(new Set(['REMIT_URL', 'REMIT_TOKEN', 'ADMIN_TOKEN']));
  });

  it('name the data directory when it is not the default, since remit token signs with the key kept there', () => {
    expect(lines('/srv/remit-data')[0]).toBe('export REMIT_URL=http://127.0.0.1:8080 REMIT_DATA_DIR=/srv/remit-data');
    expect(lines(undefined)[0]).toBe('export REMIT_URL=http://127.0.0.1:8080');
  });
});

describe('bin/remit demo --exit, end to end', () => {
  it('troubleshoots as alice, reviews her pull request from a signed delivery and posts the review to the fake GitHub, then runs the insight job into the review queue', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { createServer } = await import('node:net');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'remit-demo-e2e-'));
    try {
      const remit = fileURLToPath(new URL('../../../../../bin/remit', import.meta.url));
      const { status, stdout } = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const child = spawn(remit, ['demo', '--exit'], {
          env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dataDir, REMIT_PORT: String(port), REMIT_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        child.on('close', (code) => resolve({ status: code, stdout: out }));
      });
      expect(stdout).toContain('running (model: scripted (demo review script; not a real model)');
      expect(stdout).toMatch(/egress allowed: GET pull-request\/acme\/payments\.git\/info\/refs/);
      expect(stdout).toContain('Review posted on acme/payments#7');
      expect(stdout).toContain('src/charge.js:2  A timeout of 0 disables it.');
      expect(stdout).toContain('Check run "Remit review": success.');
      // The insight job's run, as platform-engineer, and the finding it put in the review queue.
      expect(stdout).toContain('running (model: scripted (demo insight script; not a real model)');
      expect(stdout).toMatch(/Run \S+ succeeded; 1 finding in the review queue:/);
      expect(stdout).toMatch(/\[high\] Checkout depends on a card-processor pool that is exhausted and timing out {2}\(new, [0-9a-f-]{36}\)/);
      expect(stdout).toMatch(/evidence: transcript #\d+, http: "card-processor: timeout \(p95 3012 ms, limit 3000 ms\)"/);
      expect(status).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
