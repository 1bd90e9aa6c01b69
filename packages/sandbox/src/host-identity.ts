import { randomInt } from 'node:crypto';
import { chown, lstat, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { SandboxError } from './sandbox-error.ts';

/**
 * Which host uid a sandbox's processes have. bwrap maps the sandbox's uid 1000 onto the host
 * uid that runs it, and the kernel checks some things against the host uid 0 itself, not a
 * capability: run by root, a sandbox could write host sysctls such as kernel.core_pattern (a
 * host root shell on the next crash; found by this package's tests) and read root-only /proc
 * files. So when the driver runs as root, every sandbox runs as its own unprivileged host
 * uid/gid, picked at random from a range nothing else uses: no file, process or socket of the
 * host shares it, and RLIMIT_NPROC counts that sandbox alone. (Two live sandboxes drawing the
 * same id, ~1 in 3,000 with 100 at once, would still be apart: namespaces and binds separate them.)
 */
export const HOST_ID_RANGE = { first: 0x4000_0000, count: 0x100_0000 } as const;

/** The uid/gid for a new sandbox, or undefined when the driver is not root (bwrap then runs as the caller). */
export function pickHostId(): number | undefined {
  return process.getuid?.() === 0 ? HOST_ID_RANGE.first + randomInt(HOST_ID_RANGE.count) : undefined;
}

/**
 * Hands the run's sockets, and their private directory, to the sandbox's host uid so bwrap
 * can bind them and the agent connect (root still reaches them; no one else can). Refuses
 * sockets that do not sit alone in a 0700 directory of ours: a shared directory is never chowned.
 */
export async function grantRunSockets(sockets: string[], hostId: number): Promise<void> {
  const dirs = new Set(sockets.map((socket) => dirname(socket)));
  const [dir] = dirs;
  const info = dir === undefined ? undefined : await stat(dir);
  if (dirs.size !== 1 || dir === undefined || !info?.isDirectory() || (info.mode & 0o777) !== 0o700 || info.uid !== process.getuid?.()) {
    throw new SandboxError('start_failed', undefined, { cause: new Error('the run sockets must share one private (0700) directory owned by the driver') });
  }
  await ensureSearchable(dirname(dir));
  await chown(dir, hostId, hostId);
  for (const socket of sockets) await chown(socket, hostId, hostId);
}

/**
 * bwrap runs as the sandbox's host uid and binds files by path, so `path` and every directory
 * above it must be searchable by others: checked here, so a misplaced directory is reported at
 * once rather than as an agent that never starts.
 */
export async function ensureSearchable(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { root } = parse(resolve(path));
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new SandboxError('start_failed', undefined, { cause: new Error(`${dir} is not searchable by other users, so sandboxes cannot reach ${path}`) });
    }
    if (dir === root) return;
  }
}

/**
 * The default image directory: per host user in the OS temp dir, shared by every driver of that
 * user (the agent bundle is content-addressed). Created 0755; an existing one must be a real
 * directory of ours that no one else can write, since sandboxes run what it holds.
 */
export async function sharedImageDir(): Promise<string> {
  const dir = join(tmpdir(), `remit-sandbox-image-${process.getuid?.() ?? 'user'}`);
  await mkdir(dir, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const info = await lstat(dir);
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) {
    throw new SandboxError('start_failed', undefined, { cause: new Error(`${dir} is not a directory of ours that only we can write`) });
  }
  return dir;
}
