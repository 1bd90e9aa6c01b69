import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
export { serveTestApp } from '../testing/serve-test-app.ts';

/** bin/remit, as a user runs it. */
export const remitBin = fileURLToPath(new URL('../../../../bin/remit', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI as a process, asynchronously (a server under test may live in this
 * process), with a fresh data directory and only the environment given.
 */
export function runRemit(args: string[], env: Record<string, string> = {}, options: { stdin?: string } = {}): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(remitBin, args, {
      env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir, ...env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, stdout, stderr });
    });
  });
}

/** A pseudo-terminal session: what it showed so far, a way to type, and its exit code. */
export interface Terminal {
  output(): string;
  type(text: string): void;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<number | null>;
}

export function inTerminal(args: string[], env: Record<string, string> = {}): Terminal {
  const dir = mkdtempSync(join(tmpdir(), 'remit-pty-'));
  const quoted = [remitBin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // -e: exit with the command's code; -f: flush as it goes; -c: the command, which replaces the
  // shell script starts it with (a shell left waiting would take Ctrl-C too, and exit 130 for it).
  const child = spawn('script', ['-qfec', `exec ${quoted}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', REMIT_DATA_DIR: dir, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      for (const w of waiters.splice(0)) w();
      resolve(code);
    }),
  );
  return {
    output: () => text,
    type: (input) => child.stdin.write(input),
    exit,
    waitFor: (wanted, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`timed out waiting for ${String(wanted)}; the terminal showed:\n${text}`)), timeoutMs);
        const check = () => {
          if (typeof wanted === 'string' ? text.includes(wanted) : wanted.test(text)) {
            clearTimeout(deadline);
            resolve();
          } else if (child.exitCode !== null) {
            clearTimeout(deadline);
            reject(new Error(`exited before showing ${String(wanted)}; the terminal showed:\n${text}`));
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
