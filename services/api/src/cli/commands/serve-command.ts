import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { startServer, untilSignal } from './serve.ts';

/** `remit serve`: API and one worker; on SIGINT/SIGTERM stops accepting, lets runs finish, closes the database. */
export async function serveCommand(ctx: CommandContext): Promise<number> {
  // Listening for the signal before starting: a Ctrl-C just after the start line (or during
  // start-up) still shuts down in order instead of killing the process (regression: exit 130).
  const stop = untilSignal();
  const rt = await openRuntime(ctx.config, ctx.logger);
  const server = await startServer(rt, { withWorker: true });
  await stop;
  rt.logger.info('shutting down');
  await server.stop();
  await rt.close();
  return 0;
}
