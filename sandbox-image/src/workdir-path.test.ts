import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isInside, prepareDirectory, resolveExisting } from './workdir-path.ts';

function failureCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('workdir path resolution', () => {
  let root: string;
  let workdir: string;

  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'remit-paths-')));
    workdir = join(root, 'work');
    await mkdir(join(workdir, 'sub'), { recursive: true });
    await writeFile(join(workdir, 'sub', 'file.txt'), 'ok');
    await writeFile(join(root, 'outside.txt'), 'host secret');
    await symlink(join(root, 'outside.txt'), join(workdir, 'escape-file'));
    await symlink(root, join(workdir, 'escape-dir'));
    await symlink('sub/file.txt', join(workdir, 'inside-link'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('resolves paths inside the workdir, relative or absolute, links included (positive control)', async () => {
    expect(resolveExisting(workdir, 'sub/file.txt')).toBe(join(workdir, 'sub', 'file.txt'));
    expect(resolveExisting(workdir, join(workdir, 'sub'))).toBe(join(workdir, 'sub'));
    expect(resolveExisting(workdir, 'inside-link')).toBe(join(workdir, 'sub', 'file.txt'));
    expect(resolveExisting(workdir, '.')).toBe(workdir);
  });

  it.each(['escape-file', 'escape-dir/outside.txt', 'escape-dir', '/etc/passwd', '/', `${'sub/'}../../outside.txt`])(
    'refuses %s as not_allowed',
    async (path) => {
      expect(failureCode(() => resolveExisting(workdir, path))).toBe('not_allowed');
    },
  );

  it('answers not_found for a missing path', async () => {
    expect(failureCode(() => resolveExisting(workdir, 'nope/nothing'))).toBe('not_found');
  });

  it('creates a directory inside, and refuses one reached through a link outside without creating it', async () => {
    expect(await prepareDirectory(workdir, 'a/b/c')).toBe(join(workdir, 'a', 'b', 'c'));
    await expect(prepareDirectory(workdir, 'escape-dir/planted')).rejects.toMatchObject({ code: 'not_allowed' });
    expect(failureCode(() => resolveExisting(root, 'planted'))).toBe('not_found');
  });

  it('compares whole path components', () => {
    expect(isInside('/work', '/work')).toBe(true);
    expect(isInside('/work', '/work/a')).toBe(true);
    expect(isInside('/work', '/workshop')).toBe(false);
    expect(isInside('/', '/etc')).toBe(true);
  });
});
