import { serve as listen } from '@hono/node-server';
import { startGithubInbox, type RunWorker } from '@remit/agents';
import { activeIssuer, isLoopbackHost } from '@remit/core';
import { createApp } from '../../http/create-app.ts';
import { auditCheckpointsFor } from '../../runtime/audit-checkpoints.ts';
import { consoleHealth } from '../../runtime/console-health.ts';
import { consoleDepsFor } from '../../runtime/console-settings.ts';
import { announceServer } from '../../runtime/data-dir-owner.ts';
import type { Runtime } from '../../runtime/open-runtime.ts';
import { startWorker } from '../../runtime/start-worker.ts';
import { CliError } from '../command-context.ts';

interface RunningServer {
  url: string;
  worker: RunWorker | undefined;
  stop(): Promise<void>;
}

/** Starts the API (and an in-process worker, as `remit serve` does); resolves once listening. */
export async function startServer(rt: Runtime, options: { withWorker: boolean }): Promise<RunningServer> {
  const worker = options.withWorker ? startWorker(rt) : undefined;
  const onRunQueued = worker ? () => worker.wake() : undefined;
  // GitHub deliveries are acknowledged once recorded; this process then works through them.
  const inbox = rt.github ? startGithubInbox({ ...rt, fallbackRole: rt.github.fallbackRole, ...(onRunQueued ? { onRunQueued } : {}) }) : undefined;
  const app = createApp({
    ...rt,
    console: consoleDepsFor(rt, consoleHealth(rt)),
    auditCheckpoints: auditCheckpointsFor(rt),
    ...(rt.github ? { github: { ...rt.github, inbox } } : {}),
    ...(onRunQueued ? { onRunQueued } : {}),
  });
  const { REMIT_HOST: hostname, REMIT_PORT: port } = rt.config;
  let server: ReturnType<typeof listen>;
  try {
    server = await new Promise<ReturnType<typeof listen>>((resolve, reject) => {
      const s = listen({ fetch: app.fetch, hostname, port }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    await inbox?.stop();
    await worker?.stop();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError('failed', `port ${port} on ${hostname} is in use; stop the other process or set REMIT_PORT`, { cause: err });
    throw err;
  }
  const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  // Other commands on this data directory find the server here and talk to it (REMIT_URL).
  announceServer(rt, url);
  // Which tokens this server accepts, on its start line; louder when the development issuer
  // (whose key sits in the data directory) was enabled on purpose somewhere reachable.
  const identity = activeIssuer(rt.config);
  const exposed = identity.kind === 'development' && (!isLoopbackHost(hostname) || rt.db.driver === 'pg');
  rt.logger[exposed ? 'warn' : 'info'](
    { url, console: `${url}/console`, worker: worker?.id ?? null, issuer: identity.issuer ?? 'development', issuerWhy: identity.why },
    'remit api listening',
  );
  return {
    url,
    worker,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await inbox?.stop();
      await worker?.stop();
    },
  };
}

export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
