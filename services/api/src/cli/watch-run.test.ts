import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { RunEvent } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { attackSequences, hostile, unsafeIn } from '../testing/hostile-text.ts';
import { createStyle } from './terminal-style.ts';
import { renderEvent } from './watch-run.ts';

const remit = fileURLToPath(new URL('../../../../bin/remit', import.meta.url));
const OSC52 = '\u001b]52;c;cm0gLXJmIH4K\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const UP_AND_ERASE = '\u001b[1A\u001b[2K';
const CSI8 = '\u009b31m';
const RLO = '\u202e';

const eventTypes = ['status', 'model_turn', 'tool_call', 'tool_result', 'tool_denied', 'egress', 'connection_unavailable', 'error', 'sandbox', 'something_new'];
const statuses = ['running', 'succeeded', 'failed'];

/** An event of any type whose every field an attacker wrote. */
const hostileEvent = fc
  .record({
    type: fc.constantFrom(...eventTypes),
    status: fc.oneof(fc.constantFrom(...statuses), hostile),
    text: hostile,
    values: fc.dictionary(fc.constantFrom('reason', 'model', 'answer', 'name', 'connection', 'method', 'path', 'message', 'readyMs'), hostile),
    nested: fc.dictionary(hostile, fc.oneof(hostile, fc.array(hostile))),
    ok: fc.boolean(),
  })
  .map(
    ({ type, status, text, values, nested, ok }) =>
      ({
        seq: 1,
        type,
        at: '2026-01-01T00:00:00.000Z',
        data: { ...values, status, text, toolCalls: [{}], ok, allowed: ok, input: nested, output: nested, error: nested },
      }) as unknown as RunEvent,
  );

describe('renderEvent', () => {
  it('writes no control sequence of its own making from any field of any event', () => {
    fc.assert(
      fc.property(hostileEvent, (event) => {
        expect(unsafeIn(renderEvent(event, createStyle(false)))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('in colour, the only escape sequences are its own colours', () => {
    fc.assert(
      fc.property(hostileEvent, (event) => {
        const line = renderEvent(event, createStyle(true));
        // eslint-disable-next-line no-control-regex -- finding control characters is what this pattern is for
        expect(unsafeIn(line.replace(/\u001b\[\d+m/g, ''))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

/** A fake Remit API (the CLI is the thing under test): accepts one run and streams `events` for it. */
async function fakeApi(
  handler: (req: { method: string; url: string }, res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler({ method: req.method ?? 'GET', url: req.url ?? '/' }, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function sse(events: object[]): string {
  return events.map((e, i) => `id: ${i + 1}\nevent: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

/** Runs the real CLI, asynchronously: the fake API serves from this same process. */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-watch-'));
  return new Promise((resolve, reject) => {
    const child = spawn(remit, args, { env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, stdout, stderr });
    });
  });
}

let open: Server | undefined;
afterEach(async () => {
  const server = open;
  open = undefined;
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('remit run --watch against a hostile transcript', () => {
  it('shows OSC 52 clipboard writes, cursor moves, 8-bit CSI and bidi overrides escaped, keeping the answer’s lines', async () => {
    const runId = `r-1${CLEAR}`;
    const transcript = [
      { seq: 1, type: 'status', at: '', data: { status: 'running', model: `scripted${OSC52}`, readyMs: 5 } },
      { seq: 2, type: 'model_turn', at: '', data: { text: `Looking.${CLEAR}All clear, nothing to see`, toolCalls: [{}] } },
      { seq: 3, type: 'tool_call', at: '', data: { name: `exec${UP_AND_ERASE}`, input: { command: ['printf', OSC52] } } },
      { seq: 4, type: 'tool_result', at: '', data: { ok: true, output: { stdout: `${CSI8}${OSC52}${attackSequences.join('')}`, exitCode: 0 } } },
      { seq: 5, type: 'tool_denied', at: '', data: { name: 'http', connection: `admin${RLO}nimda`, reason: `connection_not_in_role${UP_AND_ERASE}` } },
      { seq: 6, type: 'error', at: '', data: { message: `${UP_AND_ERASE}✓ everything is fine` } },
      { seq: 7, type: 'status', at: '', data: { status: 'succeeded', answer: `The answer.\n\tSecond line ${OSC52}\nThird${CSI8}` } },
    ];
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST' && req.url === '/v1/runs') {
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: runId, status: 'queued' }));
      } else if (req.method === 'GET' && req.url.endsWith('/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(sse(transcript));
      } else {
        res.writeHead(404).end();
      }
    });
    open = api.server;

    const res = await runCli(['run', 'troubleshoot', 'why?', '--watch', '--url', api.url, '--token', 'fake-token']);

    expect(res.status).toBe(0);
    for (const [name, out] of [
      ['stdout', res.stdout],
      ['stderr', res.stderr],
    ] as const) {
      expect(unsafeIn(out), name).toEqual([]);
      expect(out, name).not.toContain('\u001b');
    }
    expect(res.stderr).toContain('run r-1\\u001b[2J\\u001b[H queued');
    expect(res.stdout).toContain('model: scripted\\u001b]52;c;cm0gLXJmIH4K\\u0007');
    expect(res.stdout).toContain('Looking.\\u001b[2J\\u001b[HAll clear');
    expect(res.stdout).toContain('exec\\u001b[1A\\u001b[2K');
    expect(res.stdout).toContain('\\u009b31m');
    expect(res.stdout).toContain('admin\\u202enimda');
    expect(res.stdout).toContain('! \\u001b[1A\\u001b[2K✓ everything is fine');
    expect(res.stdout).toContain('The answer.\n\tSecond line \\u001b]52;c;cm0gLXJmIH4K\\u0007\nThird\\u009b31m\n');
  });

  it('shows an error the server sends, or a broken event stream, escaped', async () => {
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: `bad${CSI8}`, message: `no ${OSC52}${CLEAR}` } }));
      } else {
        res.writeHead(404).end();
      }
    });
    open = api.server;
    const refused = await runCli(['run', 'troubleshoot', 'why?', '--url', api.url, '--token', 'fake-token']);
    expect(refused.status).toBe(1);
    expect(unsafeIn(refused.stderr)).toEqual([]);
    expect(refused.stderr).toContain('remit: no \\u001b]52;c;cm0gLXJmIH4K\\u0007\\u001b[2J\\u001b[H (bad\\u009b31m)');
  });

  it('shows a transcript line that is not JSON escaped, though the parse error quotes it', async () => {
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST') res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'r-2', status: 'queued' }));
      else res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`id: 1\ndata: ${OSC52}${CLEAR}not json\n\n`);
    });
    open = api.server;
    const broken = await runCli(['run', 'troubleshoot', 'why?', '--watch', '--url', api.url, '--token', 'fake-token']);
    expect(broken.status).toBe(1);
    expect(unsafeIn(broken.stderr)).toEqual([]);
    expect(broken.stderr).toContain('\\u001b]52;c;');
  });
});
