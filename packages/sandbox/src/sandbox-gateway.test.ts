import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as http2Connect, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { TICKET_HEADER, TUNNEL_PATHS } from '@remit/sandbox-agent';
import { runTunnel, type TunnelOutcome } from '@remit/sandbox-agent/tunnel';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TicketStore } from './gateway-tickets.ts';
import { startSandboxGateway, type GatewayEvent, type SandboxGateway } from './sandbox-gateway.ts';

/** The run's two servers, as unix sockets that record every connection and echo what they get, prefixed. */
interface FakeRun {
  channelSocketPath: string;
  egressSocketPath: string;
  connections: string[];
  close(): Promise<void>;
}

async function fakeRun(dir: string): Promise<FakeRun> {
  const connections: string[] = [];
  const servers: Server[] = [];
  const listen = async (name: string) => {
    const server = createServer((socket) => {
      connections.push(name);
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
    });
    servers.push(server);
    const path = join(dir, `${name}.sock`);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return path;
  };
  return {
    channelSocketPath: await listen('channel'),
    egressSocketPath: await listen('egress'),
    connections,
    close: async () => {
      for (const server of servers) await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An agent stand-in: reads its token from stdin, says it over channel.sock and egress.sock, prints what came back, exits. */
const AGENT_SCRIPT = `
const net = require('net');
let token = '';
process.stdin.on('data', (d) => (token += d));
process.stdin.on('end', async () => {
  const say = (name) => new Promise((resolve) => {
    const s = net.connect(process.argv[1] + '/' + name + '.sock');
    s.on('connect', () => s.write(token.trim()));
    s.on('data', (d) => { process.stdout.write(String(d) + '\\n'); s.end(); });
    s.on('close', resolve);
    s.on('error', (e) => { process.stdout.write(e.code + '\\n'); resolve(); });
  });
  await say('channel');
  await say('egress');
});`;

/** A client that speaks the protocol but pins nothing: what an attacker on the sandbox network has. */
async function attacker(gateway: SandboxGateway): Promise<ClientHttp2Session> {
  const session = http2Connect(`https://127.0.0.1:${gateway.address.port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

/** Sends one request; resolves with its status (0 when the stream or connection was cut) and body. */
function request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    let stream;
    try {
      stream = session.request(headers, { endStream: false });
    } catch {
      return resolve({ status: 0, body: '' });
    }
    let status = 0;
    let text = '';
    stream.on('error', () => undefined);
    stream.on('response', (h) => {
      status = Number(h[':status']);
      if (status === 200 && body === undefined) resolve({ status, body: text }); // an open stream: answered is enough
    });
    stream.on('data', (d: Buffer) => (text += d.toString()));
    stream.on('close', () => resolve({ status, body: text }));
    if (body !== undefined) stream.end(body);
  });
}

const closed = (session: ClientHttp2Session) =>
  new Promise<void>((resolve) => (session.closed || session.destroyed ? resolve() : session.once('close', () => resolve())));

describe('the sandbox gateway', () => {
  let dir: string;
  let run: FakeRun;
  let gateway: SandboxGateway;
  let events: GatewayEvent[];
  let clock: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remit-gateway-'));
    run = await fakeRun(dir);
    events = [];
    clock = 1_000_000;
    gateway = await startSandboxGateway({ host: '127.0.0.1', onEvent: (e) => events.push(e), now: () => clock, attachTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await gateway.close();
    await run.close();
    await rm(dir, { recursive: true, force: true });
  });

  const binding = (token = 'the-bootstrap-token') => ({ runId: 'run-1', bootstrapToken: token, ...run });

  async function tunnel(ticket: string, fingerprint = gateway.fingerprint, port = gateway.address.port): Promise<{ outcome: TunnelOutcome; output: string }> {
    const socketDir = await mkdtemp(join(dir, 'task-'));
    const chunks: string[] = [];
    // The stand-in agent's stdout is inherited; capture it through a pipe by wrapping it in sh.
    const outFile = join(socketDir, 'out.txt');
    const outcome = await runTunnel({
      gateway: { host: '127.0.0.1', port },
      fingerprint,
      ticket,
      socketDir,
      agentCommand: ['/bin/sh', '-c', `exec ${process.execPath} -e "$0" "$1" > "$2"`, AGENT_SCRIPT, socketDir, outFile],
      agentCwd: socketDir,
    });
    const { readFile } = await import('node:fs/promises');
    chunks.push(await readFile(outFile, 'utf8').catch(() => ''));
    return { outcome, output: chunks.join('') };
  }

  it('a redeemed ticket, then a claim: the agent gets its token and reaches exactly its run’s channel and egress', async () => {
    const ticket = gateway.issueTicket();
    ticket.claim(binding());
    const { outcome, output } = await tunnel(ticket.secret);
    expect(output).toBe('channel:the-bootstrap-token\negress:the-bootstrap-token\n');
    expect(outcome).toEqual({ exitCode: 0, reason: 'agent_exited' });
    expect(run.connections).toEqual(['channel', 'egress']);
    expect(events.map((e) => e.type)).toEqual(['sandbox_attached', 'sandbox_detached']);
    await ticket.detached;
  });

  it('a pool sandbox waits at the gateway until a run claims it', async () => {
    const ticket = gateway.issueTicket();
    const running = tunnel(ticket.secret);
    await ticket.attached;
    expect(run.connections).toEqual([]);
    ticket.claim(binding('late-token'));
    expect(() => ticket.claim(binding())).toThrow(RangeError); // a claimed sandbox serves one run
    expect((await running).output).toBe('channel:late-token\negress:late-token\n');
  });

  it('refuses wrong, malformed, expired and revoked tickets: 401, the connection closed, nothing reaches the run', async () => {
    const expired = gateway.issueTicket({ ttlMs: 1000 });
    const revoked = gateway.issueTicket();
    revoked.claim(binding());
    revoked.revoke();
    expired.claim(binding());
    clock += 1000;
    const cases: [unknown, string][] = [
      [randomBytes(32).toString('base64url'), 'unknown'],
      [expired.secret, 'expired'],
      [revoked.secret, 'unknown'],
      ['', 'malformed'],
      ['x'.repeat(42), 'malformed'],
      [`${expired.secret} `, 'malformed'],
      [expired.secret.toUpperCase(), 'unknown'],
    ];
    for (const [value, reason] of cases) {
      events = [];
      const session = await attacker(gateway);
      const headers: OutgoingHttpHeaders = { ':method': 'POST', ':path': TUNNEL_PATHS.attach, ...(value === '' ? {} : { [TICKET_HEADER]: value as string }) };
      expect(await request(session, headers)).toMatchObject({ status: 401 });
      // After a refusal the connection is closed: a channel stream on it gets nowhere.
      expect((await request(session, { ':method': 'POST', ':path': TUNNEL_PATHS.channel }, 'hello')).status).not.toBe(200);
      await closed(session);
      expect(events[0]).toMatchObject({ type: 'ticket_refused', reason });
      expect(JSON.stringify(events)).not.toContain(String(value) || '\u0000');
    }
    expect(run.connections).toEqual([]);
  });

  it('refuses a replayed ticket and a second connection for the same ticket, reports it, and leaves the first connection working', async () => {
    const ticket = gateway.issueTicket();
    const first = await attacker(gateway);
    expect((await request(first, { ':method': 'POST', ':path': TUNNEL_PATHS.attach, [TICKET_HEADER]: ticket.secret })).status).toBe(200);
    await ticket.attached;
    const second = await attacker(gateway);
    expect((await request(second, { ':method': 'POST', ':path': TUNNEL_PATHS.attach, [TICKET_HEADER]: ticket.secret })).status).toBe(401);
    expect(events).toContainEqual({ type: 'ticket_refused', reason: 'replayed', ticketId: ticket.id, remoteAddress: '127.0.0.1' });
    // A second attach on the first connection is not a way around it either.
    ticket.claim(binding());
    expect((await request(first, { ':method': 'POST', ':path': TUNNEL_PATHS.channel }, 'ping')).body).toBe('channel:ping');
    expect(run.connections).toEqual(['channel']);
    first.destroy();
    second.destroy();
  });

  it('a tunnel given another certificate’s fingerprint (a MITM) refuses before sending its ticket', async () => {
    const mitmEvents: GatewayEvent[] = [];
    const mitm = await startSandboxGateway({ host: '127.0.0.1', onEvent: (e) => mitmEvents.push(e) });
    try {
      const ticket = gateway.issueTicket();
      ticket.claim(binding());
      const { outcome } = await tunnel(ticket.secret, gateway.fingerprint, mitm.address.port);
      expect(outcome).toEqual({ exitCode: 4, reason: 'certificate_mismatch' });
      expect(mitmEvents).toEqual([]); // the impostor never saw an attach, let alone the ticket
      // The ticket was never spent: the real gateway still takes it.
      expect((await tunnel(ticket.secret)).output).toBe('channel:the-bootstrap-token\negress:the-bootstrap-token\n');
    } finally {
      await mitm.close();
    }
  });

  it('streams before a ticket, before the claim, and to other paths get nothing', async () => {
    const cold = await attacker(gateway);
    expect((await request(cold, { ':method': 'POST', ':path': TUNNEL_PATHS.channel }, 'x')).status).toBe(403);
    await closed(cold);

    const ticket = gateway.issueTicket();
    const session = await attacker(gateway);
    expect((await request(session, { ':method': 'POST', ':path': TUNNEL_PATHS.attach, [TICKET_HEADER]: ticket.secret })).status).toBe(200);
    expect((await request(session, { ':method': 'POST', ':path': TUNNEL_PATHS.egress }, 'x')).status).toBe(403); // not claimed yet
    ticket.claim(binding());
    for (const [method, path] of [
      ['GET', TUNNEL_PATHS.channel],
      ['POST', '/v1/channel/../egress'],
      ['POST', '/v1/channel?x=1'],
      ['POST', '/v1/admin'],
      ['POST', `${run.channelSocketPath}`],
      ['CONNECT', undefined],
    ] as const) {
      const headers: OutgoingHttpHeaders = method === 'CONNECT' ? { ':method': 'CONNECT', ':authority': 'localhost:22' } : { ':method': method, ':path': path };
      expect((await request(session, headers, method === 'GET' ? undefined : 'x')).status).not.toBe(200);
    }
    expect(run.connections).toEqual([]);
    expect((await request(session, { ':method': 'POST', ':path': TUNNEL_PATHS.egress }, 'ok')).body).toBe('egress:ok'); // positive control
    session.destroy();
  });

  it('survives oversized headers, garbage bytes and broken frames, and still serves a real tunnel', async () => {
    const big = await attacker(gateway);
    expect((await request(big, { ':method': 'POST', ':path': TUNNEL_PATHS.attach, [TICKET_HEADER]: 'a'.repeat(64 * 1024) })).status).not.toBe(200);
    const many = await attacker(gateway);
    const pairs = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-${i}`, 'y']));
    expect((await request(many, { ':method': 'POST', ':path': TUNNEL_PATHS.attach, ...pairs })).status).not.toBe(200);
    big.destroy();
    many.destroy();
    for (const garbage of [
      randomBytes(4096),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), randomBytes(2048)]),
    ]) {
      await new Promise<void>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: gateway.address.port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () =>
          socket.write(garbage),
        );
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
    }
    await new Promise<void>((resolve) => {
      const plain = netConnect(gateway.address.port, '127.0.0.1', () => plain.write(randomBytes(1024)));
      plain.on('error', () => resolve());
      plain.on('close', () => resolve());
    });
    expect(run.connections).toEqual([]);
    const ticket = gateway.issueTicket();
    ticket.claim(binding());
    expect((await tunnel(ticket.secret)).output).toBe('channel:the-bootstrap-token\negress:the-bootstrap-token\n');
  });

  it('property: whatever headers an unticketed sandbox sends, nothing reaches a run and the gateway keeps serving', async () => {
    const ticket = gateway.issueTicket();
    ticket.claim(binding());
    const session = await attacker(gateway);
    const header = fc.oneof(
      fc.constantFrom(...Object.values(TUNNEL_PATHS), '/', '*'),
      fc.string({ maxLength: 40 }).map((s) => `/${s}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('POST', 'GET', 'PUT', 'OPTIONS'),
          path: header,
          ticket: fc.option(fc.oneof(fc.string({ maxLength: 60 }), fc.base64String({ minLength: 43, maxLength: 44 })), { nil: undefined }),
        }),
        async ({ method, path, ticket: value }) => {
          const current = session.destroyed || session.closed ? await attacker(gateway) : session;
          const headers: OutgoingHttpHeaders = { ':method': method, ':path': path };
          if (value !== undefined && /^[\t\x20-\x7e]*$/.test(value)) headers[TICKET_HEADER] = value;
          const { status } = await request(current, headers, 'x');
          expect(status).not.toBe(200);
          if (current !== session) current.destroy();
        },
      ),
      { numRuns: 40 },
    );
    expect(run.connections).toEqual([]);
    expect((await tunnel(ticket.secret)).outcome.reason).toBe('agent_exited');
    expect(run.connections).toEqual(['channel', 'egress']);
  });
});

describe('TicketStore.redeem', () => {
  it('property: only the issued value redeems, once; any other input is refused without throwing', () => {
    let now = 0;
    const store = new TicketStore(() => now, 60_000);
    const issued = store.issue();
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.anything(), fc.constant(issued.secret.slice(0, 42) + 'A')), (value) => {
        const result = store.redeem(value);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
    expect(store.redeem(issued.secret)).toMatchObject({ ok: true });
    expect(store.redeem(issued.secret)).toEqual({ ok: false, reason: 'replayed', ticketId: issued.id });
    const late = store.issue(10);
    now = 10;
    expect(store.redeem(late.secret)).toEqual({ ok: false, reason: 'expired', ticketId: late.id });
  });
});

describe('the gateway certificate', () => {
  it('is valid DER every time: 300 fresh certificates all parse (a random serial once began with a padding byte DER refuses)', async () => {
    const { X509Certificate } = await import('node:crypto');
    const { createGatewayCertificate } = await import('./gateway-certificate.ts');
    for (let i = 0; i < 300; i++) expect(() => new X509Certificate(createGatewayCertificate().certPem)).not.toThrow();
  });
});
