import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStartTicks, thisProcess } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { commandName, dataDirOwner, lockDataDir } from './data-dir-lock.ts';
import { openDatabase } from './open-database.ts';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-data-dir.ts', import.meta.url));

interface Holder {
  child: ChildProcess;
  /** `held`, or `refused <message>`: the child's first line. */
  first: Promise<string>;
  /** SIGTERM: the child closes what it holds and exits. */
  stop(): Promise<void>;
}

/** Runs the holder fixture in its own Node process (the way a second `remit` would be). */
function startHolder(mode: 'open' | 'lock', dataDir: string, url?: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, mode, dataDir, ...(url ? [url] : [])], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    void exited.then(() => reject(new Error(`the holder exited before answering: ${stderr}`)));
  });
  return {
    child,
    first,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-data-dir-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lockFile = (dir: string) => join(dir, 'pgdata.lock');

describe('one process owns a PGlite data directory', () => {
  it('refuses a second process, naming the owner’s pid and the fix, and lets it in once the owner closes', async () => {
    await withDataDir(async (dir) => {
      const owner = startHolder('open', dir);
      try {
        expect(await owner.first).toBe('held');
        // Another process (this test's) opening the database: refused, nothing opened.
        const opening = openDatabase({ dataDir: dir, schema: 'remit', poolSize: 1 });
        await expect(opening).rejects.toMatchObject({ name: 'DatabaseError', code: 'data_dir_in_use' });
        await expect(opening).rejects.toThrow(
          new RegExp(
            `^the data directory ${dir} is in use by hold-data-dir\\.ts \\(pid ${owner.child.pid}\\), and embedded PGlite allows one process; wait for it to finish, or stop it$`,
          ),
        );
        expect(dataDirOwner(dir)).toMatchObject({ pid: owner.child.pid, command: 'hold-data-dir.ts', url: undefined });
      } finally {
        await owner.stop();
      }
      expect(existsSync(lockFile(dir))).toBe(false); // removed on close
      expect(dataDirOwner(dir)).toBeUndefined();
      const db = await openDatabase({ dataDir: dir, schema: 'remit', poolSize: 1 });
      try {
        expect(dataDirOwner(dir)).toMatchObject({ pid: process.pid });
      } finally {
        await db.close();
      }
    });
  }, 60_000);

  it('tells a second process where the owning server listens, for REMIT_URL', async () => {
    await withDataDir(async (dir) => {
      const server = startHolder('lock', dir, 'http://127.0.0.1:18080');
      try {
        expect(await server.first).toBe('held');
        expect(dataDirOwner(dir)).toEqual({ pid: server.child.pid, command: 'hold-data-dir.ts', since: expect.any(String), url: 'http://127.0.0.1:18080' });
        const second = startHolder('open', dir);
        expect(await second.first).toBe(
          `refused the data directory ${dir} is in use by hold-data-dir.ts (pid ${server.child.pid}) at http://127.0.0.1:18080, and embedded PGlite allows one process; stop it, or point this command at it with REMIT_URL=http://127.0.0.1:18080 and REMIT_TOKEN`,
        );
        await second.stop();
      } finally {
        await server.stop();
      }
    });
  });

  it('lets exactly one of several processes starting at once take the directory', async () => {
    await withDataDir(async (dir) => {
      const holders = Array.from({ length: 4 }, () => startHolder('lock', dir));
      try {
        const answers = await Promise.all(holders.map((h) => h.first));
        expect(answers.filter((a) => a === 'held')).toHaveLength(1);
        expect(answers.filter((a) => a.startsWith('refused '))).toHaveLength(3);
        const winner = holders[answers.indexOf('held')]!;
        expect(dataDirOwner(dir)?.pid).toBe(winner.child.pid);
      } finally {
        await Promise.all(holders.map((h) => h.stop()));
      }
    });
  });

  it('takes over the lock of an owner that was killed (SIGKILL leaves its lock behind)', async () => {
    await withDataDir(async (dir) => {
      const owner = startHolder('lock', dir);
      expect(await owner.first).toBe('held');
      owner.child.kill('SIGKILL');
      await owner.stop();
      expect(existsSync(lockFile(dir))).toBe(true);
      expect(dataDirOwner(dir)).toBeUndefined();
      const lock = lockDataDir(dir);
      try {
        expect(dataDirOwner(dir)).toMatchObject({ pid: process.pid });
      } finally {
        lock.release();
      }
    });
  });

  it.each([
    ['a pid no process has', () => ({ pid: spawnSync('true').pid!, startTicks: 1 })],
    ['a live pid that started at another time (a recycled pid)', () => ({ pid: process.pid, startTicks: thisProcess().startTicks + 1 })],
    ['a live pid of another process that started at another time', () => ({ pid: process.ppid, startTicks: (processStartTicks(process.ppid) ?? 0) + 1 })],
  ])('takes over a stale lock naming %s', async (_, owner) => {
    await withDataDir(async (dir) => {
      writeFileSync(
        lockFile(dir),
        JSON.stringify({ ...owner(), command: 'remit serve', since: '2026-01-01T00:00:00Z', nonce: 'stale', url: 'http://127.0.0.1:1' }),
      );
      expect(dataDirOwner(dir)).toBeUndefined();
      const lock = lockDataDir(dir);
      try {
        expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ ...thisProcess(), command: expect.any(String) });
        expect(dataDirOwner(dir)).toMatchObject({ pid: process.pid, url: undefined });
      } finally {
        lock.release();
      }
      expect(existsSync(lockFile(dir))).toBe(false);
    });
  });

  it('takes over a lock file that is not one (empty, or not JSON)', async () => {
    await withDataDir(async (dir) => {
      for (const text of ['', 'garbage', '{"pid":"1"}']) {
        writeFileSync(lockFile(dir), text);
        lockDataDir(dir).release();
      }
      expect(existsSync(lockFile(dir))).toBe(false);
    });
  });

  it('refuses a second open in the same process', async () => {
    await withDataDir(async (dir) => {
      const lock = lockDataDir(dir);
      try {
        expect(() => lockDataDir(dir)).toThrow(/is already open in this process/);
      } finally {
        lock.release();
      }
    });
  });

  it('never removes a lock it does not hold', async () => {
    await withDataDir(async (dir) => {
      const lock = lockDataDir(dir);
      const theirs = JSON.stringify({ pid: process.ppid, startTicks: processStartTicks(process.ppid), command: 'remit serve', since: '', nonce: 'theirs' });
      writeFileSync(lockFile(dir), theirs); // as if our lock had been taken over meanwhile
      lock.release();
      expect(readFileSync(lockFile(dir), 'utf8')).toBe(theirs);
    });
  });
});

describe('commandName', () => {
  it.each([
    [['/usr/bin/node', '/work/main/bin/remit', 'serve'], 'remit serve'],
    [['/usr/bin/node', '/work/main/bin/remit', 'audit', 'verify', '--json'], 'remit audit verify'],
    [['/usr/bin/node', '/work/main/bin/remit', 'run', 'troubleshoot', 'why is checkout failing?'], 'remit run troubleshoot'],
    [['/usr/bin/node', '/work/main/bin/remit', '--help'], 'remit'],
    [['/usr/bin/node', '/x/fixtures/hold-data-dir.ts', 'open'], 'hold-data-dir.ts'],
    [['/usr/bin/node'], 'node'],
  ])('%o → %s', (argv, name) => {
    expect(commandName(argv)).toBe(name);
  });
});
