import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SandboxDriver } from './sandbox-driver.ts';
import { openSandboxSession, type SandboxEvent } from './sandbox-session.ts';
import { exec, nodeScript, withLocalDriver, withSession } from './testing.ts';

/** Connects to the channel from inside the sandbox, sends one line, prints the first line back (or CLOSED). */
const sendToChannel = (line: string) => `
const s = require('net').connect('/run/remit/channel.sock');
let got = '';
s.on('connect', () => s.write(${JSON.stringify(line)} + '\\n'));
s.on('data', (d) => { got += d; });
s.on('close', () => { console.log(got.split('\\n')[0] || 'CLOSED'); });
s.on('error', (e) => console.log(e.code));`;

const hello = (token: string) => JSON.stringify({ type: 'hello', token, agentVersion: 'attacker' });

describe('the bootstrap token', () => {
  it('works once: replaying it from inside the sandbox is refused and reported', async () => {
    const events: SandboxEvent[] = [];
    const consumed: string[] = [];
    const consumeBootstrapToken = async (token: string) => {
      consumed.push(token);
      return true;
    };
    await withSession({ consumeBootstrapToken, onEvent: (event) => events.push(event) }, async (session) => {
      expect(consumed).toHaveLength(1);
      const [token] = consumed as [string];
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
      const replay = await nodeScript(session, sendToChannel(hello(token)));
      expect(JSON.parse(replay.stdout)).toEqual({ type: 'refused', reason: 'bootstrap token refused' });
      const wrong = await nodeScript(session, sendToChannel(hello(randomBytes(32).toString('base64url'))));
      expect(JSON.parse(wrong.stdout)).toMatchObject({ type: 'refused' });
      const garbage = await nodeScript(session, sendToChannel(JSON.stringify({ type: 'result', id: '1', ok: true, output: {} })));
      expect(JSON.parse(garbage.stdout)).toMatchObject({ type: 'refused' });
      expect(events.filter((e) => e.type === 'bootstrap_refused').map((e) => e.type === 'bootstrap_refused' && e.reason)).toEqual([
        'token_used',
        'token_used',
        'malformed',
      ]);
      expect(consumed).toHaveLength(1); // the store is never asked about a replay
      // Positive control: the real agent's channel is untouched.
      expect((await exec(session, ['echo', 'still here'])).stdout).toBe('still here\n');
    });
  });

  it('refuses an agent started with a wrong token, and leaves nothing behind', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const tampering: SandboxDriver = { ...driver, create: (spec) => driver.create({ ...spec, bootstrapToken: randomBytes(32).toString('base64url') }) };
      const events: SandboxEvent[] = [];
      const opening = openSandboxSession(tampering, { runId: randomUUID(), onEvent: (event) => events.push(event) });
      await expect(opening).rejects.toMatchObject({ name: 'SandboxError', code: 'bootstrap_refused' });
      expect(events).toContainEqual(expect.objectContaining({ type: 'bootstrap_refused', reason: 'wrong_token' }));
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('refuses the agent when the store has already spent the token (another worker, a replayed run)', async () => {
    await withLocalDriver(async ({ driver, stateFiles }) => {
      const events: SandboxEvent[] = [];
      const opening = openSandboxSession(driver, { runId: randomUUID(), consumeBootstrapToken: async () => false, onEvent: (event) => events.push(event) });
      await expect(opening).rejects.toMatchObject({ code: 'bootstrap_refused' });
      expect(events).toContainEqual(expect.objectContaining({ type: 'bootstrap_refused', reason: 'not_accepted' }));
      expect(await driver.list()).toEqual([]);
      expect(await stateFiles()).toEqual([]);
    });
  });

  it('is not on the agent command line, in the sandbox environment, or in the state files', async () => {
    let token = '';
    const consumeBootstrapToken = async (presented: string) => {
      token = presented;
      return true;
    };
    await withSession({ consumeBootstrapToken }, async (session, { stateDir }) => {
      const seen = await exec(session, ['sh', '-c', 'cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"']);
      expect(seen.stdout).not.toContain(token);
      const { readdir, readFile } = await import('node:fs/promises');
      for (const name of await readdir(stateDir)) {
        if (name.endsWith('.json')) expect(await readFile(`${stateDir}/${name}`, 'utf8')).not.toContain(token);
      }
    });
  });
});
