import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLineSplitter } from '@remit/core/channel-framing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxDriver, SandboxSpec } from './sandbox-driver.ts';
import { openSandboxSession, type SandboxEvent } from './sandbox-session.ts';

/**
 * A driver whose "sandbox" is a scripted agent in this process, so the orchestrator's side can
 * be tested against an agent that lies: `behave` gets the raw channel and each line it receives.
 */
function scriptedAgentDriver(behave: (channel: Socket, spec: SandboxSpec, line: string) => void): SandboxDriver & { destroyed: string[] } {
  const destroyed: string[] = [];
  return {
    name: 'local',
    destroyed,
    create: async (spec) => {
      const channel = connect(spec.channelSocketPath);
      channel.on('error', () => undefined);
      channel.on(
        'data',
        createLineSplitter(1 << 26, (line) => behave(channel, spec, line)),
      );
      channel.once('connect', () => behave(channel, spec, ''));
      return { id: 'sbx-fake', runId: spec.runId, driver: 'local', startedAt: new Date() };
    },
    destroy: async (id) => {
      destroyed.push(id);
    },
    list: async () => [],
  };
}

const send = (channel: Socket, message: unknown) => channel.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
const callId = (line: string) => (JSON.parse(line) as { id: string }).id;

/** Says hello with the right token, then answers each call with `answer`. */
const agent = (answer: (channel: Socket, line: string) => void) => (channel: Socket, spec: SandboxSpec, line: string) => {
  if (line === '') send(channel, { type: 'hello', token: spec.bootstrapToken, agentVersion: 'scripted' });
  else if (line.includes('"type":"call"')) answer(channel, line);
};

describe('openSandboxSession against a lying agent', () => {
  let runDirParent: string;
  beforeEach(async () => {
    runDirParent = await mkdtemp(join(tmpdir(), 'remit-session-'));
  });
  afterEach(() => rm(runDirParent, { recursive: true, force: true }));

  it('rejects an output that does not match the tool schema', async () => {
    const driver = scriptedAgentDriver(agent((channel, line) => send(channel, { type: 'result', id: callId(line), ok: true, output: { stdout: 42 } })));
    const session = await openSandboxSession(driver, { runId: randomUUID(), runDirParent });
    try {
      expect(await session.call('exec', { command: ['true'] })).toEqual({
        ok: false,
        error: { code: 'failed', message: 'The sandbox returned a malformed result.' },
      });
    } finally {
      await session.close();
    }
  });

  it('ignores results for calls it never made, and still takes the right one', async () => {
    const output = { exitCode: 0, signal: null, stdout: 'real', stderr: '', truncated: false, timedOut: false, durationMs: 1 };
    const driver = scriptedAgentDriver(
      agent((channel, line) => {
        send(channel, { type: 'result', id: 'forged', ok: true, output: { ...output, stdout: 'forged' } });
        send(channel, { type: 'result', id: callId(line), ok: true, output });
      }),
    );
    const session = await openSandboxSession(driver, { runId: randomUUID(), runDirParent });
    try {
      expect(await session.call('exec', { command: ['true'] })).toEqual({ ok: true, output });
    } finally {
      await session.close();
    }
  });

  it.each([
    ['not JSON', '{"type":"result"'],
    ['a second hello', JSON.stringify({ type: 'hello', token: 'x'.repeat(43), agentVersion: 'x' })],
    ['an unknown error code', JSON.stringify({ type: 'result', id: '1', ok: false, error: { code: 'pwned', message: '' } })],
  ])('closes the channel on %s; the pending call becomes sandbox_unavailable', async (_name, line) => {
    const events: SandboxEvent[] = [];
    const driver = scriptedAgentDriver(agent((channel) => send(channel, line)));
    const session = await openSandboxSession(driver, { runId: randomUUID(), runDirParent, onEvent: (event) => events.push(event) });
    try {
      expect(await session.call('exec', { command: ['true'] })).toMatchObject({ ok: false, error: { code: 'sandbox_unavailable' } });
      expect(events).toContainEqual(expect.objectContaining({ type: 'agent_disconnected' }));
    } finally {
      await session.close();
    }
  });

  it('cuts off an unauthenticated connection that sends a line longer than any hello', async () => {
    let cutOff: Promise<boolean> | undefined;
    const driver = scriptedAgentDriver((channel, spec, line) => {
      if (line !== '') return;
      const flood = connect(spec.channelSocketPath);
      flood.on('error', () => undefined);
      cutOff = new Promise((resolve) => flood.once('close', () => resolve(true)));
      flood.write(Buffer.alloc(64 * 1024, 'a'));
      send(channel, { type: 'hello', token: spec.bootstrapToken, agentVersion: 'scripted' });
    });
    const session = await openSandboxSession(driver, { runId: randomUUID(), runDirParent });
    try {
      expect(await cutOff).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('validates input before anything reaches the agent', async () => {
    let calls = 0;
    const driver = scriptedAgentDriver(agent(() => (calls += 1)));
    const session = await openSandboxSession(driver, { runId: randomUUID(), runDirParent });
    try {
      for (const input of [{}, { command: [] }, { command: ['x'], timeoutMs: 1 }, { command: ['x'], cwd: '../etc' }, { command: ['x'], extra: true }]) {
        expect(await session.call('exec', input as never)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      }
      expect(await session.call('read_file', { path: 'a/../../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(calls).toBe(0);
    } finally {
      await session.close();
    }
  });

  it('gives up on an agent that never says hello, and destroys it', async () => {
    const driver = scriptedAgentDriver(() => undefined);
    await expect(openSandboxSession(driver, { runId: randomUUID(), runDirParent, readyTimeoutMs: 200 })).rejects.toMatchObject({ code: 'not_ready' });
    expect(driver.destroyed).toEqual(['sbx-fake']);
    expect(await readdir(runDirParent)).toEqual([]);
  });

  it('reports a driver that cannot start, leaving no run dir', async () => {
    const failing: SandboxDriver = { name: 'local', create: () => Promise.reject(new Error('no bwrap')), destroy: async () => undefined, list: async () => [] };
    await expect(openSandboxSession(failing, { runId: randomUUID(), runDirParent })).rejects.toMatchObject({ code: 'start_failed' });
    expect(await readdir(runDirParent)).toEqual([]);
  });

  it('refuses a bundle that belongs to another run before starting anything', async () => {
    const driver = scriptedAgentDriver(() => undefined);
    const bundle = { runId: randomUUID(), connections: [], secrets: [] };
    await expect(openSandboxSession(driver, { runId: randomUUID(), bundle, runDirParent })).rejects.toThrow(RangeError);
    expect(driver.destroyed).toEqual([]);
    expect(await readdir(runDirParent)).toEqual([]);
  });
});
