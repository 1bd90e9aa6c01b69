import { openRuntime } from '../../runtime/open-runtime.ts';
import type { CommandContext } from '../command-context.ts';
import { serveUntilSignal } from './serve.ts';

export async function serveCommand(ctx: CommandContext): Promise<number> {
  ctx.parse({});
  const rt = await openRuntime(ctx.config, ctx.logger);
  await serveUntilSignal(rt);
  return 0;
}
