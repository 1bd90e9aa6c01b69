import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadFileInput } from '@remit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileTool } from './read-file-tool.ts';
import { ProcessGroups } from './run-process.ts';
import { REDACTED, createScrubber } from './scrubber.ts';
import type { ToolContext } from './tool-context.ts';

const SECRET = 'aws-secret-0123456789abcdefXYZ';

describe('read_file', () => {
  let root: string;
  let ctx: ToolContext;
  const read = (path: string, maxBytes?: number) => readFileTool(ctx, ReadFileInput.parse({ path, maxBytes }));

  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'remit-read-')));
    const workdir = join(root, 'work');
    await mkdir(workdir);
    await writeFile(join(root, 'host.txt'), 'host only');
    await writeFile(join(workdir, 'notes.txt'), 'plain notes');
    ctx = {
      workdir,
      egressSocketPath: join(root, 'egress.sock'),
      bundle: { runId: '00000000-0000-4000-8000-000000000003', connections: [], secrets: [] },
      scrubber: createScrubber([SECRET]),
      groups: new ProcessGroups(),
    };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reads a file in the workdir (positive control)', async () => {
    expect(await read('notes.txt')).toEqual({ content: 'plain notes', size: 11, truncated: false });
  });

  it('refuses a symlink that leads out of the workdir', async () => {
    await symlink(join(root, 'host.txt'), join(ctx.workdir, 'link'));
    await expect(read('link')).rejects.toMatchObject({ code: 'not_allowed' });
    await expect(read(join(root, 'host.txt'))).rejects.toMatchObject({ code: 'not_allowed' });
  });

  it('refuses directories and does not hang on a FIFO', async () => {
    await mkdir(join(ctx.workdir, 'dir'));
    execFileSync('mkfifo', [join(ctx.workdir, 'pipe')]);
    await expect(read('dir')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(read('pipe')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('caps the content and reports the full size', async () => {
    await writeFile(join(ctx.workdir, 'big.txt'), 'x'.repeat(10_000));
    expect(await read('big.txt', 100)).toEqual({ content: 'x'.repeat(100), size: 10_000, truncated: true });
  });

  it('scrubs secrets from the content, even one straddling the cap', async () => {
    await writeFile(join(ctx.workdir, 'env.txt'), `KEY=${SECRET}\n`);
    expect((await read('env.txt')).content).toBe(`KEY=${REDACTED}\n`);
    const cut = await read('env.txt', 10);
    expect(cut.content).not.toContain(SECRET.slice(0, 6));
  });
});
