import { closeSync, constants, openSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The two sockets a local pool member is started with. bubblewrap binds socket files by inode
 * when the sandbox starts, before any run exists, so a pool member is bound to these instead of
 * a run's; claiming it points them at the run's channel and egress sockets, and from then on
 * each connection the sandbox makes is piped to the run's server — the same ChannelServer and
 * egress server, which authenticate and limit exactly as for a sandbox bound to them directly.
 * Until claimed, a connection is closed at once.
 */
export interface PoolRelay {
  sockets: { channelSocketPath: string; egressSocketPath: string };
  /** Points the relay at a run's sockets; once. */
  connect(target: { channelSocketPath: string; egressSocketPath: string }): void;
  close(): Promise<void>;
}

/** Opens a relay in a fresh 0700 directory under `parent`. */
export async function openPoolRelay(parent: string): Promise<PoolRelay> {
  const dir = await mkdtemp(join(parent, 'remit-pool-'));
  let target: { channelSocketPath: string; egressSocketPath: string } | undefined;
  const open = new Set<Socket>();
  const relay = (which: 'channelSocketPath' | 'egressSocketPath') =>
    createServer((local) => {
      local.on('error', () => undefined);
      if (target === undefined) return void local.destroy();
      const upstream = connect(target[which]);
      upstream.on('error', () => local.destroy());
      open.add(local).add(upstream);
      local.once('close', () => {
        open.delete(local);
        upstream.destroy();
      });
      upstream.once('close', () => {
        open.delete(upstream);
        local.destroy();
      });
      local.pipe(upstream);
      upstream.pipe(local);
    });
  const servers = [relay('channelSocketPath'), relay('egressSocketPath')];
  // Listening through a descriptor of the directory, as sandbox-session.ts does: the bound
  // address is what /proc/net/unix shows inside the sandbox, so it must name no host path.
  const dirFd = openSync(dir, 'r');
  try {
    await Promise.all(
      servers.map(
        (server, i) =>
          new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(`/proc/self/fd/${dirFd}/${i === 0 ? 'channel' : 'egress'}.sock`, () => resolve());
          }),
      ),
    );
  } catch (err) {
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    closeSync(dirFd);
  }
  return {
    sockets: { channelSocketPath: join(dir, 'channel.sock'), egressSocketPath: join(dir, 'egress.sock') },
    connect(run) {
      if (target !== undefined) throw new RangeError('this relay already serves a run');
      target = { channelSocketPath: run.channelSocketPath, egressSocketPath: run.egressSocketPath };
    },
    async close() {
      for (const socket of open) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let parent: Promise<string> | undefined;

/** /dev/shm when we may write there, else the OS temp dir (as for a session's run dir, see sandbox-session.ts). */
export function poolDirParent(): Promise<string> {
  return (parent ??= access('/dev/shm', constants.W_OK | constants.X_OK).then(
    () => '/dev/shm',
    () => tmpdir(),
  ));
}
