import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ReadFileInput, ReadFileOutput } from '@remit/core';
import { CappedOutput } from './capped-output.ts';
import { ToolFailure } from './tool-failure.ts';
import type { ToolContext } from './tool-context.ts';
import { assertDescriptorInside, resolveExisting } from './workdir-path.ts';

/**
 * `read_file`: a regular file inside the workdir. O_NONBLOCK so a FIFO planted by `exec` cannot
 * hang the call; O_NOFOLLOW plus the /proc check so a symlink swapped in after realpath cannot
 * redirect the read.
 */
export async function readFileTool(ctx: ToolContext, input: ReadFileInput): Promise<ReadFileOutput> {
  const real = resolveExisting(ctx.workdir, input.path);
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new ToolFailure(err.code === 'ENOENT' ? 'not_found' : 'failed', `cannot open ${input.path}: ${err.code ?? 'error'}`, { cause: err });
  });
  try {
    await assertDescriptorInside(ctx.workdir, handle.fd, input.path);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ToolFailure('invalid_input', `not a regular file: ${input.path}`);
    const output = new CappedOutput(input.maxBytes, ctx.scrubber.slackBytes);
    const buffer = Buffer.alloc(Math.min(input.maxBytes + ctx.scrubber.slackBytes + 1, 1 << 20));
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0 || !output.push(Buffer.from(buffer.subarray(0, bytesRead)))) break;
    }
    const { text, truncated } = output.text(ctx.scrubber.scrub);
    return { content: text, size: stat.size, truncated };
  } finally {
    await handle.close();
  }
}
