import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { closeEgress, listenEgress, type EgressHandler } from './egress-server.ts';
import { sendRaw } from '@remit/core/testing';

const dir = mkdtempSync(join(tmpdir(), 'remit-egress-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const send = (path: string, bytes: string | Buffer, mode: 'wait' | 'half' | 'reset' = 'wait') => sendRaw(path, bytes, mode, 3000);

async function serve(handler: EgressHandler) {
  const path = join(dir, `e${n++}.sock`);
  return { path, server: await listenEgress(path, handler) };
}

const ok: EgressHandler = (req, res) => {
  req.resume();
  res.writeHead(200, { connection: 'close' }).end('ok');
};

describe('listenEgress: one error path for everything a sandbox sends', () => {
  it.each([
    [
      'throws synchronously',
      (() => {
        throw new Error('boom');
      }) as EgressHandler,
    ],
    [
      'rejects',
      (async () => {
        throw new Error('boom');
      }) as EgressHandler,
    ],
    [
      'throws after answering headers',
      ((_req, res) => {
        res.writeHead(200);
        throw new Error('boom');
      }) as EgressHandler,
    ],
  ])('a handler that %s answers or cuts that request, and the server keeps serving', async (_name, handler) => {
    let calls = 0;
    const { path, server } = await serve((req, res) => (calls++ === 0 ? handler(req, res) : ok(req, res)));
    const first = await send(path, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    if (first !== '') expect(first).toMatch(/^HTTP\/1\.1 (502|200) /);
    expect(await send(path, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    await closeEgress(server);
  });

  it('answers a malformed request line 400 and oversized headers 431, recording each', async () => {
    const recorded: string[] = [];
    const { path, server } = await serve(
      Object.assign(((req, res) => ok(req, res)) as EgressHandler, { clientError: (code: string) => void recorded.push(code) }),
    );
    expect(await send(path, 'garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await send(path, `GET / HTTP/1.1\r\nX: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(recorded).toEqual(['egress_malformed_request', 'egress_headers_too_large']);
    await closeEgress(server);
  });

  it('property: random bytes, half-closed and reset connections never stop the server', async () => {
    const { path, server } = await serve(ok);
    const request = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)),
      fc
        .tuple(fc.constantFrom('GET', 'POST', 'CONNECT', 'G\0T', ''), fc.string({ maxLength: 40 }), fc.string({ maxLength: 60 }))
        .map(([m, t, h]) => `${m} ${t} HTTP/1.1\r\n${h}\r\n\r\n`),
    );
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom('wait', 'half', 'reset') as fc.Arbitrary<'wait' | 'half' | 'reset'>, async (bytes, mode) => {
        await send(path, bytes, mode);
      }),
      { numRuns: 300 },
    );
    expect(await send(path, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    await closeEgress(server);
  });
});
