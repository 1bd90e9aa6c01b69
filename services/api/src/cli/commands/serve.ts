import { serve as listen } from '@hono/node-server';
import { createApp } from '../../http/create-app.ts';
import type { Runtime } from '../../runtime/open-runtime.ts';

/** Starts the API on the configured host and port; resolves once it is listening. */
export async function startServer(rt: Runtime): Promise<{ url: string; stop: () => Promise<void> }> {
  const app = createApp(rt);
  const { REMIT_HOST: hostname, REMIT_PORT: port } = rt.config;
  const server = await new Promise<ReturnType<typeof listen>>((resolve, reject) => {
    const s = listen({ fetch: app.fetch, hostname, port }, () => resolve(s));
    s.once('error', reject);
  });
  const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  rt.logger.info({ url }, 'remit api listening');
  return {
    url,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs until SIGINT/SIGTERM, then stops accepting, finishes in-flight requests and closes the database. */
export async function serveUntilSignal(rt: Runtime): Promise<void> {
  const server = await startServer(rt);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  rt.logger.info('shutting down');
  await server.stop();
  await rt.close();
}
