import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl, withTestSchema } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';

const remit = fileURLToPath(new URL('../../../../../bin/remit', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `bin/remit serve`, returns its start line (parsed), and stops it. */
async function startLine(env: Record<string, string>): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-serve-'));
  const port = await freePort();
  const child = spawn(remit, ['serve'], {
    env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir, REMIT_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    return await new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const found = out.split('\n').find((l) => l.includes('"remit api listening"'));
        if (found) resolve(JSON.parse(found) as Record<string, unknown>);
      });
      child.on('close', (code) => reject(new Error(`serve exited ${code} before listening: ${err}`)));
    });
  } finally {
    const exited = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('remit serve’s start line', () => {
  it('says the development issuer is active, and why, on loopback with PGlite', async () => {
    expect(await startLine({})).toMatchObject({
      level: 'info',
      msg: 'remit api listening',
      issuer: 'development',
      issuerWhy: expect.stringContaining('loopback REMIT_HOST'),
    });
  }, 60_000); // PGlite boots and migrates in the child first

  it.runIf(testDatabaseUrl)('warns when the development issuer was enabled on purpose for a real database', async () => {
    await withTestSchema(async (schema) => {
      const line = await startLine({ DATABASE_URL: testDatabaseUrl!, REMIT_DB_SCHEMA: schema, REMIT_DEV_ISSUER: '1' });
      expect(line).toMatchObject({ level: 'warn', issuer: 'development', issuerWhy: 'REMIT_DEV_ISSUER=1' });
    });
  });
});
