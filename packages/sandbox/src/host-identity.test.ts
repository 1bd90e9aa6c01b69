import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_ID_RANGE, ensureSearchable, grantRunSockets, pickHostId, sharedImageDir } from './host-identity.ts';

const asRoot = process.getuid?.() === 0;

describe('host identity of sandboxes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remit-ids-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives each sandbox of a root driver its own unprivileged host id from the reserved range', () => {
    const ids = new Set(Array.from({ length: 50 }, () => pickHostId()));
    if (!asRoot) return expect([...ids]).toEqual([undefined]);
    for (const id of ids) {
      expect(id).toBeGreaterThanOrEqual(HOST_ID_RANGE.first);
      expect(id).toBeLessThan(HOST_ID_RANGE.first + HOST_ID_RANGE.count);
    }
    expect(ids.size).toBeGreaterThan(45);
  });

  it.runIf(asRoot)('hands over sockets only when they sit alone in a private directory of ours', async () => {
    const servers: Server[] = [];
    const listen = async (path: string) => {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(path, resolve));
    };
    try {
      await chmod(dir, 0o711);
      const run = join(dir, 'run');
      await mkdir(run, { mode: 0o700 });
      await listen(join(run, 'channel.sock'));
      await listen(join(run, 'egress.sock'));
      // A directory others can list, or sockets in two directories, are refused.
      await chmod(run, 0o755);
      await expect(grantRunSockets([join(run, 'channel.sock'), join(run, 'egress.sock')], 0x4000_0001)).rejects.toMatchObject({ code: 'start_failed' });
      await chmod(run, 0o700);
      await expect(grantRunSockets([join(run, 'channel.sock'), join(dir, 'egress.sock')], 0x4000_0001)).rejects.toMatchObject({ code: 'start_failed' });
      expect((await stat(run)).uid).toBe(0);
      // Positive control.
      await grantRunSockets([join(run, 'channel.sock'), join(run, 'egress.sock')], 0x4000_0001);
      expect((await stat(run)).uid).toBe(0x4000_0001);
      expect((await stat(join(run, 'egress.sock'))).uid).toBe(0x4000_0001);
    } finally {
      for (const server of servers) server.close();
    }
  });

  it.runIf(asRoot)('refuses a path hidden behind a private directory (bwrap binds the run sockets by path)', async () => {
    const image = join(dir, 'private', 'image');
    await mkdir(image, { recursive: true, mode: 0o755 });
    await chmod(join(dir, 'private'), 0o700);
    await chmod(dir, 0o711);
    await expect(ensureSearchable(image)).rejects.toMatchObject({ code: 'start_failed' });
    await chmod(join(dir, 'private'), 0o711);
    await ensureSearchable(relative(process.cwd(), image)); // positive control, relative path included
  });

  it('keeps the shared image dir ours and writable by no one else', async () => {
    const shared = await sharedImageDir();
    const info = await stat(shared);
    expect(info.uid).toBe(process.getuid?.());
    expect(info.mode & 0o022).toBe(0);
  });
});
