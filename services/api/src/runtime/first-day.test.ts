// A user's first day, through the real `bin/remit`: a second process on one data directory, a
// throwaway sandbox beside a server, and start-up failures that are one line naming the setting.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const remit = fileURLToPath(new URL('../../../../bin/remit', import.meta.url));

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(remit, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

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

/** `bin/remit serve` on `dir`, resolved once it listens; always stopped by `stop`. */
async function startServe(dir: string): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(remit, ['serve'], {
    env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir, REMIT_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('close', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.includes('remit api listening')) resolve();
      });
      void exited.then(() => reject(new Error(`serve exited before listening: ${err}`)));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, url: `http://127.0.0.1:${port}`, stop };
}

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-first-day-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const oneLine = (stderr: string) => {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return stderr.trimEnd();
};

describe('one data directory, one owner', () => {
  it('refuses a second serve (and audit verify) in one line naming the first’s pid, while a throwaway sandbox runs beside it', async () => {
    await withDataDir(async (dir) => {
      const first = await startServe(dir);
      try {
        const owner = new RegExp(
          `^remit: the data directory ${dir} is in use by remit serve \\(pid ${first.child.pid}\\)( at ${first.url})?, .*REMIT_URL.* and REMIT_TOKEN$`,
        );
        const second = await run(['serve'], { REMIT_DATA_DIR: dir, REMIT_PORT: String(await freePort()) });
        expect(second.status).toBe(1);
        expect(oneLine(second.stderr)).toMatch(owner);
        const verify = await run(['audit', 'verify'], { REMIT_DATA_DIR: dir });
        expect(verify.status).toBe(1);
        expect(oneLine(verify.stderr)).toMatch(owner);

        // The server's reaper runs every 5 s, so at least one pass meets the throwaway; its command still finishes.
        const exec = await run(['sandbox', 'exec', '--', 'sh', '-c', 'sleep 5.5; echo ok'], { REMIT_DATA_DIR: dir });
        expect(exec).toMatchObject({ status: 0, stdout: 'ok\n' });
        expect((await fetch(`${first.url}/readyz`)).status).toBe(200); // the first server is untouched
      } finally {
        await first.stop();
      }
    });
  }, 90_000);

  it('refuses `remit worker` without DATABASE_URL, in one line that says why', async () => {
    await withDataDir(async (dir) => {
      const worker = await run(['worker'], { REMIT_DATA_DIR: dir });
      expect(worker.status).toBe(1);
      expect(oneLine(worker.stderr)).toMatch(/^remit: a separate worker needs DATABASE_URL: .*embedded PGlite, which one process owns/);
    });
  });
});

describe('start-up failures are one line naming the setting', () => {
  it('DATABASE_URL pointing nowhere', async () => {
    await withDataDir(async (dir) => {
      const serve = await run(['serve'], { REMIT_DATA_DIR: dir, DATABASE_URL: 'postgres://remit_owner:hunter2@127.0.0.1:1/remit', REMIT_DEV_ISSUER: '1' });
      expect(serve.status).toBe(1);
      expect(oneLine(serve.stderr)).toMatch(/^remit: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/remit \(DATABASE_URL\): connection refused/);
      expect(serve.stderr).not.toContain('hunter2');
    });
  });

  const openai = { REMIT_MODEL_PROVIDER: 'openai-compatible', REMIT_OPENAI_BASE_URL: 'http://10.0.5.20:8000/v1', REMIT_OPENAI_MODEL: 'qwen' };

  it.each([
    [{}, /REMIT_MODEL_PRICES: has no price for model "qwen" \(REMIT_OPENAI_MODEL\)/],
    [{ REMIT_MODEL_PRICES: '{"qwen":{"inputPerMTok":0,"outputPerMTok":0}}' }, /REMIT_OPENAI_ALLOW_CIDRS: .*set REMIT_OPENAI_ALLOW_CIDRS=10\.0\.5\.20\/32/],
  ])('a model that would fail every run: exit 2 naming the variable (%o)', async (extra, problem) => {
    await withDataDir(async (dir) => {
      const serve = await run(['serve'], { REMIT_DATA_DIR: dir, ...openai, ...extra });
      expect(serve.status).toBe(2);
      expect(serve.stderr).toMatch(problem);
      expect(serve.stderr).not.toMatch(/^\s+at /m);
    });
  });
});
