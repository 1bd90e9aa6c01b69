import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { startServer, untilSignal } from './serve.ts';

/** `remit serve`: API and one worker; on SIGINT/SIGTERM stops accepting, lets runs finish, closes the database. */
export async function serveCommand(ctx: CommandContext): Promise<number> {
  ctx.parse({});
  const rt = await openRuntime(ctx.config, ctx.logger);
  const server = await startServer(rt, { withWorker: true });
  await untilSignal();
  rt.logger.info('shutting down');
  await server.stop();
  await rt.close();
  return 0;
}
