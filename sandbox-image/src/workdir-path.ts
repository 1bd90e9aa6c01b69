import { realpathSync } from 'node:fs';
import { mkdir, readlink } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { ToolFailure } from './tool-failure.ts';

/** `candidate` is `root` or below it; both must already be real (symlink-free) paths. */
export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of an existing `path` (relative to the workdir, or absolute inside it),
 * refusing anything that resolves outside the workdir, symlinks included.
 */
export function resolveExisting(workdir: string, path: string): string {
  let real: string;
  try {
    real = realpath(resolve(workdir, path));
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw new ToolFailure('not_found', `no such file or directory: ${path}`);
    throw err;
  }
  if (!isInside(workdir, real)) throw outside(path);
  return real;
}

/** Like resolveExisting for a directory that may not exist yet: checks the nearest existing ancestor, creates the rest, checks again. */
export async function prepareDirectory(workdir: string, path: string): Promise<string> {
  const target = resolve(workdir, path);
  let existing = target;
  for (;;) {
    try {
      const real = realpath(existing);
      if (!isInside(workdir, real)) throw outside(path);
      break;
    } catch (err) {
      if (!isErrno(err, 'ENOENT') || existing === workdir) throw err;
      existing = dirname(existing);
    }
  }
  await mkdir(target, { recursive: true });
  return resolveExisting(workdir, path);
}

/**
 * Re-checks an open descriptor through /proc, which names the file actually opened: a symlink
 * swapped in between realpath and open cannot redirect the read outside the workdir.
 */
export async function assertDescriptorInside(workdir: string, fd: number, path: string): Promise<void> {
  const opened = await readlink(`/proc/self/fd/${fd}`);
  if (!isInside(workdir, opened)) throw outside(path);
}

/**
 * Synchronous on purpose: a realpath on the sandbox's tmpfs takes microseconds, while the first
 * asynchronous fs call starts libuv's thread pool, which a plain `exec` would otherwise pay for.
 */
const realpath = (path: string): string => realpathSync.native(path);

function outside(path: string): ToolFailure {
  return new ToolFailure('not_allowed', `path is outside the workdir: ${path}`);
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
