import { openRuntime } from '../../runtime/open-runtime.ts';
import { requireSharedDatabase, startWorker } from '../../runtime/start-worker.ts';
import type { CommandContext } from '../command-context.ts';
import { untilSignal } from './serve.ts';

/** `remit worker`: one more worker on the same PostgreSQL database (DATABASE_URL); any number can share the queue. */
export async function workerCommand(ctx: CommandContext): Promise<number> {
  ctx.parse({});
  requireSharedDatabase(ctx.config);
  const rt = await openRuntime(ctx.config, ctx.logger);
  const worker = startWorker(rt);
  rt.logger.info({ worker: worker.id }, 'worker started');
  await untilSignal();
  await worker.stop();
  await rt.close();
  return 0;
}
