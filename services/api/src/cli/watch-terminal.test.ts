import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { inTerminal, remitBin } from './testing.ts';
import { SECOND_INTERRUPT_MS } from './watch-run.ts';

/**
 * `remit run --watch` in a real pseudo-terminal (util-linux `script`), against a fake Remit API
 * (the CLI is the thing under test): Ctrl-C, colour and the spinner behave as they do for a
 * person at a terminal, and only there.
 */

const RUN_ID = '0b6f3c52-7d1e-4a8b-9c2d-5e6f7a8b9c0d';
const event = (seq: number, type: string, data: object) =>
  `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ seq, type, at: '2026-01-01T00:00:00.000Z', data })}\n\n`;

interface FakeApi {
  url: string;
  port: number;
  /** Requests seen, as "METHOD path [last-event-id]". */
  seen: string[];
  server: Server;
}

const open: Server[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

async function fakeApi(onEvents: (req: IncomingMessage, res: ServerResponse, attempt: number) => void, port = 0): Promise<FakeApi> {
  const seen: string[] = [];
  let attempts = 0;
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}${req.headers['last-event-id'] ? ` ${req.headers['last-event-id']}` : ''}`);
    req.resume();
    if (req.method === 'POST' && req.url === '/v1/runs')
      return res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: RUN_ID, status: 'queued' }));
    if (req.method === 'POST' && req.url === `/v1/runs/${RUN_ID}/cancel`)
      return res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: RUN_ID, status: 'cancelled' }));
    if (req.method === 'GET' && req.url === `/v1/runs/${RUN_ID}/events`) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return onEvents(req, res, attempts++);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  open.push(server);
  const actual = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${actual}`, port: actual, seen, server };
}

const running =
  event(1, 'status', { status: 'running', model: 'scripted' }) + event(2, 'tool_call', { id: 't1', name: 'exec', input: { command: ['sleep', '60'] } });
const watchArgs = (api: FakeApi) => ['run', 'troubleshoot', 'why?', '--watch', '--url', api.url, '--token', 'fake-token'];

describe('remit run --watch at a terminal', () => {
  it('Ctrl-C detaches and says how to re-attach or cancel; the run is left alone (exit 130)', async () => {
    const api = await fakeApi((_req, res) => res.write(running));
    const term = inTerminal(watchArgs(api));
    await term.waitFor('→ tool');
    term.type('\u0003');
    await term.waitFor(`cancel:    remit runs cancel ${RUN_ID}`);
    expect(term.output()).toContain(`Detached: run ${RUN_ID} keeps going.`.replace('Detached', '\u001b[1mDetached\u001b[0m'));
    expect(term.output()).toContain(`re-attach: remit runs watch ${RUN_ID}`);
    const started = Date.now();
    expect(await term.exit).toBe(ExitCode.interrupted);
    expect(Date.now() - started).toBeGreaterThan(SECOND_INTERRUPT_MS - 1000);
    expect(api.seen).not.toContain(`POST /v1/runs/${RUN_ID}/cancel`);
  });

  it('a second Ctrl-C cancels the run (exit 4)', async () => {
    const api = await fakeApi((_req, res) => res.write(running));
    const term = inTerminal(watchArgs(api));
    await term.waitFor('→ tool');
    term.type('\u0003');
    await term.waitFor('press Ctrl-C again');
    term.type('\u0003');
    expect(await term.exit).toBe(ExitCode.cancelled);
    expect(api.seen).toContain(`POST /v1/runs/${RUN_ID}/cancel`);
    expect(term.output()).toContain(`run ${RUN_ID} cancelled`);
  });

  it('shows a spinner with the elapsed time while a tool call runs, erased before the next line', async () => {
    const api = await fakeApi((_req, res) => {
      res.write(running);
      setTimeout(() => {
        res.end(
          event(3, 'tool_result', { id: 't1', name: 'exec', ok: true, output: { exitCode: 0 } }) + event(4, 'status', { status: 'succeeded', answer: 'Done.' }),
        );
      }, 1800);
    });
    const term = inTerminal(watchArgs(api));
    expect(await term.exit).toBe(ExitCode.ok);
    // eslint-disable-next-line no-control-regex -- the spinner's own carriage return and erase-line are what is checked
    expect(term.output()).toMatch(/\r\u001b\[2K\u001b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\u001b\[0m exec running \u001b\[2m· 1\.\d s\u001b\[0m/);
    // eslint-disable-next-line no-control-regex -- as above
    expect(term.output()).toMatch(/\r\u001b\[2K\u001b\[32m← ok\u001b\[0m/);
  });

  it('colours only for a terminal, never with NO_COLOR, and always with FORCE_COLOR', async () => {
    const api = await fakeApi((_req, res) => res.end(event(1, 'status', { status: 'succeeded', answer: 'Fine.' })));
    const coloured = inTerminal(watchArgs(api));
    expect(await coloured.exit).toBe(0);
    expect(coloured.output()).toContain('\u001b[32m\u001b[1m●\u001b[0m succeeded\u001b[0m');

    const plain = inTerminal(watchArgs(api), { NO_COLOR: '1' });
    expect(await plain.exit).toBe(0);
    expect(plain.output()).toContain('● succeeded');
    expect(plain.output()).not.toContain('\u001b[');

    const forced = await new Promise<string>((resolve) => {
      const child = spawn(remitBin, watchArgs(api), { env: { PATH: process.env.PATH ?? '', FORCE_COLOR: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.on('close', () => resolve(out));
    });
    expect(forced).toContain('\u001b[32m\u001b[1m●\u001b[0m succeeded\u001b[0m');
  });
});

describe('remit run --watch when the server goes away', () => {
  it('says it is reconnecting, resumes after the last event it saw, and shows each event once', async () => {
    let api: FakeApi | undefined = undefined;
    const first = (_req: IncomingMessage, res: ServerResponse) => {
      res.write(event(1, 'status', { status: 'running' }) + event(2, 'model_turn', { text: 'Looking at the logs.', toolCalls: [{}] }));
      // The server goes away: every connection dropped, nothing listening for a while.
      setTimeout(() => {
        const { server, port } = api!;
        server.closeAllConnections();
        server.close();
        setTimeout(() => {
          void fakeApi((req, res2) => {
            api!.seen.push(`resumed after ${String(req.headers['last-event-id'])}`);
            res2.end(event(3, 'status', { status: 'succeeded', answer: 'Found it.' }));
          }, port);
        }, 700);
      }, 200);
    };
    api = await fakeApi(first);
    const term = inTerminal(watchArgs(api), { NO_COLOR: '1' });
    expect(await term.exit).toBe(ExitCode.ok);
    const shown = term.output();
    expect(shown).toContain('reconnecting… (the transcript stream dropped; resuming after event 2)');
    expect(shown).toContain('reconnected');
    expect(api.seen).toContain('resumed after 2');
    expect(shown.split('Looking at the logs.').length).toBe(2);
    expect(shown).toContain('● succeeded');
  });
});
