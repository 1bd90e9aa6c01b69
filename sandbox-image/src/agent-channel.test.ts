import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage, CredentialBundle, OrchestratorMessage } from '@remit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveAgentChannel, type AgentChannelOutcome } from './agent-channel.ts';
import { createLineSplitter } from '@remit/core/channel-framing';
import { REDACTED } from './scrubber.ts';
import { AGENT_VERSION } from './version.ts';

const TOKEN = 'bootstrap-token-0123456789abcdef';
const SECRET = 'ghs_channel0secret0value0123';
const bundle: CredentialBundle = {
  runId: '00000000-0000-4000-8000-000000000002',
  connections: [{ name: 'github', type: 'github' }],
  secrets: [{ connection: 'github', kind: 'git_token', values: { token: SECRET } }],
};

/** The orchestrator's end of an in-process channel, speaking raw lines as a hostile peer could. */
interface Peer {
  socket: Socket;
  next(): Promise<AgentMessage>;
  send(message: OrchestratorMessage | string): void;
  closed: Promise<void>;
}

describe('serveAgentChannel', () => {
  let dir: string;
  let server: Server;
  let peer: Peer;
  let outcome: Promise<AgentChannelOutcome>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remit-channel-'));
    await mkdir(join(dir, 'work'));
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve);
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'channel.sock'), resolve));
    const agentSocket = connect(join(dir, 'channel.sock'));
    await new Promise((resolve) => agentSocket.once('connect', resolve));
    outcome = serveAgentChannel({ socket: agentSocket, token: TOKEN, workdir: join(dir, 'work'), egressSocketPath: join(dir, 'egress.sock') });
    const socket = await accepted;
    const queue: AgentMessage[] = [];
    const waiters: ((message: AgentMessage) => void)[] = [];
    socket.on(
      'data',
      createLineSplitter(1 << 24, (line) => {
        const message = JSON.parse(line) as AgentMessage;
        const waiter = waiters.shift();
        if (waiter) waiter(message);
        else queue.push(message);
      }),
    );
    peer = {
      socket,
      next: () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiters.push(resolve))),
      send: (message) => socket.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`),
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
    };
    socket.on('error', () => undefined);
  });

  afterEach(async () => {
    peer.socket.destroy();
    await outcome;
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const welcome = async () => {
    expect(await peer.next()).toEqual({ type: 'hello', token: TOKEN, agentVersion: AGENT_VERSION });
    peer.send({ type: 'welcome', bundle });
  };

  it('says hello with the token, then serves calls and answers by id', async () => {
    await welcome();
    peer.send({ type: 'call', id: 'c1', tool: 'exec', input: { command: ['sh', '-c', 'echo hi; pwd'] } });
    const result = await peer.next();
    expect(result).toMatchObject({ type: 'result', id: 'c1', ok: true, output: { exitCode: 0, stdout: `hi\n${join(dir, 'work')}\n`, timedOut: false } });
  });

  it('serves calls concurrently: a fast call is not stuck behind a slow one', async () => {
    await welcome();
    peer.send({ type: 'call', id: 'slow', tool: 'exec', input: { command: ['sleep', '0.5'] } });
    peer.send({ type: 'call', id: 'fast', tool: 'exec', input: { command: ['true'] } });
    expect(await peer.next()).toMatchObject({ id: 'fast', ok: true });
    expect(await peer.next()).toMatchObject({ id: 'slow', ok: true });
  });

  it('answers invalid input with invalid_input, and keeps serving', async () => {
    await welcome();
    for (const input of [{}, { command: [] }, { command: ['true'], extra: 1 }, { command: ['true'], cwd: '../x' }, { command: 'true' }]) {
      peer.send({ type: 'call', id: 'bad', tool: 'exec', input });
      expect(await peer.next()).toMatchObject({ id: 'bad', ok: false, error: { code: 'invalid_input' } });
    }
    peer.send({ type: 'call', id: 'good', tool: 'exec', input: { command: ['true'] } });
    expect(await peer.next()).toMatchObject({ id: 'good', ok: true });
  });

  it('scrubs bundle secrets from outputs and from error messages', async () => {
    await welcome();
    peer.send({ type: 'call', id: 'echo', tool: 'exec', input: { command: ['sh', '-c', 'echo "$0"; echo "$0" >&2', SECRET] } });
    const echoed = await peer.next();
    expect(echoed).toMatchObject({ ok: true, output: { stdout: `${REDACTED}\n`, stderr: `${REDACTED}\n` } });
    peer.send({ type: 'call', id: 'missing', tool: 'exec', input: { command: [SECRET] } });
    const failed = await peer.next();
    expect(failed).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(JSON.stringify(failed)).not.toContain(SECRET);
  });

  it('exits non-zero when refused', async () => {
    await peer.next();
    peer.send({ type: 'refused', reason: 'no' });
    expect(await outcome).toEqual({ exitCode: 3, reason: 'refused' });
  });

  it.each([
    ['not JSON', '{"type":'],
    ['an unknown message type', JSON.stringify({ type: 'sudo' })],
    ['a call for an unknown tool', JSON.stringify({ type: 'call', id: 'x', tool: 'rm_rf', input: {} })],
    ['an extra field', JSON.stringify({ type: 'shutdown', now: true })],
  ])('closes the channel on %s', async (_name, line) => {
    await welcome();
    peer.send(line);
    expect(await outcome).toEqual({ exitCode: 1, reason: 'protocol_error' });
    await peer.closed;
  });

  it('closes the channel on a call before welcome', async () => {
    await peer.next();
    peer.send({ type: 'call', id: 'early', tool: 'exec', input: { command: ['true'] } });
    expect(await outcome).toEqual({ exitCode: 1, reason: 'protocol_error' });
  });

  it('closes the channel on a second welcome (no swapping bundles mid-run)', async () => {
    await welcome();
    peer.send({ type: 'welcome', bundle: { ...bundle, secrets: [] } });
    expect(await outcome).toEqual({ exitCode: 1, reason: 'protocol_error' });
  });

  it('closes the channel when a line never ends (bounded buffering)', async () => {
    await welcome();
    const chunk = Buffer.alloc(1 << 20, 'a');
    for (let i = 0; i < 17 && !peer.socket.destroyed; i++) peer.socket.write(chunk);
    await peer.closed;
    expect(await outcome).toEqual({ exitCode: 0, reason: 'channel_closed' });
  });

  it('on shutdown kills what it started and exits 0', async () => {
    await welcome();
    peer.send({ type: 'call', id: 'long', tool: 'exec', input: { command: ['sleep', '41.0521'], timeoutMs: 60_000 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    peer.send({ type: 'shutdown' });
    expect(await outcome).toEqual({ exitCode: 0, reason: 'shutdown' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(execFileSync('sh', ['-c', "ps -eo args | grep -c '^[s]leep 41.0521' || true"], { encoding: 'utf8' }).trim()).toBe('0');
  });

  it('treats the channel closing like shutdown', async () => {
    await welcome();
    peer.socket.destroy();
    expect(await outcome).toEqual({ exitCode: 0, reason: 'channel_closed' });
  });
});
