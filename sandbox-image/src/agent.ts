import { readSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { OrchestratorMessage, toolInputSchemas } from '@remit/core';
import { serveAgentChannel } from './agent-channel.ts';

/**
 * The sandbox agent, the same program under every driver, started by agent-loader.ts:
 *   node start.cjs [channel-socket]        (default /run/remit/channel.sock)
 * The bootstrap token arrives as the first line of stdin: the environment is empty by design
 * and argv is visible to the host and to every process in the sandbox. The egress proxy's
 * socket sits beside the channel's, and the workdir is /work.
 */
const DEFAULT_CHANNEL = '/run/remit/channel.sock';
const WORKDIR = '/work';
const MAX_TOKEN_LINE_BYTES = 1024;

export function startAgent(argv: string[]): void {
  const token = readTokenLine();
  const channelPath = argv[0] ?? DEFAULT_CHANNEL;
  const socket = connect(channelPath);
  const failToConnect = (err: Error) => {
    process.stderr.write(`remit agent: channel ${channelPath}: ${err.message}\n`);
    process.exit(1);
  };
  socket.once('error', failToConnect);
  socket.once('connect', () => {
    socket.off('error', failToConnect);
    const egressSocketPath = join(dirname(channelPath), 'egress.sock');
    void serveAgentChannel({ socket, token, workdir: WORKDIR, egressSocketPath }).then(({ exitCode }) => process.exit(exitCode));
  });
}

/**
 * Runs the parsers the agent's first messages need, so the code cache written after it (see
 * agent-loader.ts) holds them compiled.
 */
export function warmUp(): void {
  OrchestratorMessage.safeParse({ type: 'welcome', bundle: { runId: '00000000-0000-4000-8000-000000000000', connections: [], secrets: [] } });
  OrchestratorMessage.safeParse({ type: 'call', id: '1', tool: 'exec', input: { command: ['true'] } });
  toolInputSchemas.exec.safeParse({ command: ['true'] });
}

function readTokenLine(): string {
  const buffer = Buffer.alloc(MAX_TOKEN_LINE_BYTES);
  let length = 0;
  while (length < buffer.length) {
    let read: number;
    try {
      read = readSync(0, buffer, length, buffer.length - length, null);
    } catch (err) {
      // A non-blocking stdin with nothing written yet: wait a moment rather than spin.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      throw err;
    }
    if (read === 0) break;
    length += read;
    const newline = buffer.subarray(0, length).indexOf(10);
    if (newline !== -1) return buffer.subarray(0, newline).toString('utf8').trim();
  }
  return buffer.subarray(0, length).toString('utf8').trim();
}
