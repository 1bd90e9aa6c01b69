import { realpathSync } from 'node:fs';
import type { Socket } from 'node:net';
import { OrchestratorMessage, type AgentMessage, type CredentialBundle } from '@remit/core';
import { MAX_CALL_LINE_BYTES, MAX_RESULT_LINE_BYTES, readLines } from '@remit/core/channel-framing';
import { ProcessGroups } from './run-process.ts';
import { runTool, type ToolResult } from './run-tool.ts';
import { bundleSecretValues, createScrubber } from './scrubber.ts';
import type { ToolContext } from './tool-context.ts';
import { AGENT_VERSION } from './version.ts';

interface AgentChannelOptions {
  /** A connected channel to the orchestrator. */
  socket: Socket;
  token: string;
  workdir: string;
  egressSocketPath: string;
}

/** How the agent's session ended; the process exits with `exitCode`. */
export interface AgentChannelOutcome {
  exitCode: number;
  reason: 'shutdown' | 'channel_closed' | 'refused' | 'protocol_error';
}

/**
 * The agent's side of the channel: `hello` with the bootstrap token, then `welcome` (the
 * bundle) or `refused`, then `call`s served concurrently until `shutdown` or the channel
 * closes, when every process the agent started is killed. Any line that is not a valid
 * OrchestratorMessage, or arrives out of turn, closes the channel.
 */
export function serveAgentChannel(options: AgentChannelOptions): Promise<AgentChannelOutcome> {
  const { socket } = options;
  const groups = new ProcessGroups();
  let bundle: CredentialBundle | undefined;
  let finished = false;
  let toolContext: ToolContext | undefined;

  return new Promise((resolve) => {
    const finish = (outcome: AgentChannelOutcome) => {
      if (finished) return;
      finished = true;
      groups.killAll();
      socket.destroy();
      resolve(outcome);
    };
    const send = (message: AgentMessage) => {
      const line = `${JSON.stringify(message)}\n`;
      if (!socket.destroyed) socket.write(line);
    };
    const answer = (id: string, result: ToolResult) => {
      const message: AgentMessage = { type: 'result', id, ...result };
      if (Buffer.byteLength(JSON.stringify(message)) + 1 > MAX_RESULT_LINE_BYTES) {
        send({ type: 'result', id, ok: false, error: { code: 'output_too_large', message: 'the result does not fit in one channel message' } });
      } else send(message);
    };

    socket.on('close', () => finish({ exitCode: bundle === undefined ? 1 : 0, reason: 'channel_closed' }));
    socket.on('error', () => undefined); // 'close' follows and decides the outcome
    readLines(socket, MAX_CALL_LINE_BYTES, (line) => {
      const message = parseMessage(line);
      if (message === undefined) return finish({ exitCode: 1, reason: 'protocol_error' });
      switch (message.type) {
        case 'welcome':
          if (bundle !== undefined) return finish({ exitCode: 1, reason: 'protocol_error' });
          bundle = message.bundle;
          toolContext = {
            // Real, so containment checks compare like with like.
            workdir: realpathSync(options.workdir),
            egressSocketPath: options.egressSocketPath,
            bundle,
            scrubber: createScrubber(bundleSecretValues(bundle)),
            groups,
          };
          return;
        case 'refused':
          return finish({ exitCode: 3, reason: 'refused' });
        case 'call': {
          if (toolContext === undefined) return finish({ exitCode: 1, reason: 'protocol_error' });
          void runTool(toolContext, message.tool, message.input).then((result) => answer(message.id, result));
          return;
        }
        case 'shutdown':
          return finish({ exitCode: 0, reason: 'shutdown' });
      }
    });
    send({ type: 'hello', token: options.token, agentVersion: AGENT_VERSION });
  });
}

function parseMessage(line: string): OrchestratorMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined; // not JSON: treated like a message that fails the schema below
  }
  const parsed = OrchestratorMessage.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
