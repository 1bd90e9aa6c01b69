import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createLineSplitter } from '@remit/core/channel-framing';
import { MAX_CONTROL_LINE_BYTES, TICKET_HEADER, TUNNEL_PATHS, type ClaimMessage } from './tunnel-protocol.ts';

export interface TunnelOptions {
  gateway: { host: string; port: number };
  /** SHA-256 of the gateway's certificate (lowercase hex): the only certificate the tunnel will talk to. */
  fingerprint: string;
  ticket: string;
  /** Where channel.sock and egress.sock are made for the agent (in a task: /run/remit). */
  socketDir: string;
  /** The agent's argv; started at once, it waits on stdin for the bootstrap token the claim brings. */
  agentCommand: string[];
  agentCwd?: string;
  /** How long the TLS handshake may take (default 10 s). */
  connectTimeoutMs?: number;
}

export interface TunnelOutcome {
  exitCode: number;
  reason: 'agent_exited' | 'gateway_closed' | 'certificate_mismatch' | 'refused' | 'connect_failed';
}

/**
 * The sandbox's one network connection (ECS driver): a TLS connection to the sandbox gateway
 * whose certificate must hash to the pinned fingerprint, checked before a byte of HTTP/2 (and
 * so the ticket) is sent. It redeems the ticket on the attach stream, then waits for a run to
 * claim it: the claim carries the run's bootstrap token, which goes to the agent's stdin exactly
 * as a local driver gives it. Each connection the agent (or a tool) makes to the local
 * channel.sock or egress.sock becomes one stream to the gateway, which pipes it to the run's
 * servers, so the agent and those servers are the same code as locally. Before the claim the
 * local sockets accept nothing. When either the gateway connection or the agent ends, so does
 * the tunnel, and with it the task.
 */
export function runTunnel(options: TunnelOptions): Promise<TunnelOutcome> {
  return new Promise((resolve) => {
    let session: ClientHttp2Session | undefined;
    let claimed = false;
    let done = false;
    const servers: Server[] = [];
    const finish = (outcome: TunnelOutcome) => {
      if (done) return;
      done = true;
      if (agent.exitCode === null) agent.kill('SIGKILL');
      session?.destroy();
      tls?.destroy();
      for (const server of servers) server.close();
      for (const name of ['channel.sock', 'egress.sock']) rmSync(join(options.socketDir, name), { force: true });
      resolve(outcome);
    };

    for (const [name, path] of [
      ['channel.sock', TUNNEL_PATHS.channel],
      ['egress.sock', TUNNEL_PATHS.egress],
    ] as const) {
      const socketPath = join(options.socketDir, name);
      rmSync(socketPath, { force: true });
      const server = createServer((local) => bridge(local, path));
      server.on('error', () => finish({ exitCode: 1, reason: 'connect_failed' }));
      server.listen(socketPath);
      servers.push(server);
    }

    const [command, ...args] = options.agentCommand;
    const agent: ChildProcess = spawn(command!, args, {
      cwd: options.agentCwd ?? '/work',
      env: { PATH: '/usr/bin:/bin', HOME: options.agentCwd ?? '/work' },
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    agent.stdin?.on('error', () => undefined); // EPIPE when the agent died first; its exit ends the tunnel
    agent.on('error', () => finish({ exitCode: 1, reason: 'agent_exited' }));
    agent.on('exit', (code) => finish({ exitCode: code ?? 1, reason: 'agent_exited' }));

    const tls: TLSSocket = tlsConnect({
      host: options.gateway.host,
      port: options.gateway.port,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.3',
      // The chain is not what we trust: the pin below is, checked before anything is sent.
      rejectUnauthorized: false,
    });
    tls.setTimeout(options.connectTimeoutMs ?? 10_000, () => finish({ exitCode: 1, reason: 'connect_failed' }));
    tls.on('error', () => finish({ exitCode: 1, reason: session === undefined ? 'connect_failed' : 'gateway_closed' }));
    tls.once('secureConnect', () => {
      tls.setTimeout(0);
      if (!pinned(tls, options.fingerprint)) return finish({ exitCode: 4, reason: 'certificate_mismatch' });
      session = http2Connect(`https://${options.gateway.host}:${options.gateway.port}`, { createConnection: () => tls });
      session.on('error', () => undefined); // 'close' follows
      session.once('close', () => finish({ exitCode: 1, reason: 'gateway_closed' }));
      attach(session);
    });

    function attach(connected: ClientHttp2Session): void {
      const control = connected.request({ ':method': 'POST', ':path': TUNNEL_PATHS.attach, [TICKET_HEADER]: options.ticket }, { endStream: false });
      control.on('error', () => undefined);
      control.once('response', (headers) => {
        if (headers[':status'] !== 200) finish({ exitCode: 3, reason: 'refused' });
      });
      control.once('close', () => finish({ exitCode: 1, reason: 'gateway_closed' }));
      const feed = createLineSplitter(MAX_CONTROL_LINE_BYTES, (line) => {
        const claim = parseClaim(line);
        if (claim === undefined || claimed) return finish({ exitCode: 1, reason: 'gateway_closed' });
        claimed = true;
        agent.stdin?.end(`${claim.token}\n`);
      });
      control.on('data', (chunk: Buffer) => {
        try {
          feed(chunk);
        } catch {
          finish({ exitCode: 1, reason: 'gateway_closed' });
        }
      });
    }

    function bridge(local: Socket, path: string): void {
      local.on('error', () => undefined);
      if (!claimed || session === undefined || session.destroyed) return void local.destroy();
      let stream: ClientHttp2Stream;
      try {
        stream = session.request({ ':method': 'POST', ':path': path }, { endStream: false });
      } catch {
        return void local.destroy(); // the session is closing
      }
      stream.on('error', () => local.destroy());
      stream.once('response', (headers) => {
        if (headers[':status'] !== 200) local.destroy();
      });
      local.pipe(stream);
      stream.pipe(local);
      local.once('close', () => stream.close());
      stream.once('close', () => local.destroy());
    }
  });
}

function pinned(tls: TLSSocket, fingerprint: string): boolean {
  const raw = tls.getPeerCertificate().raw as Buffer | undefined;
  if (raw === undefined) return false;
  const actual = createHash('sha256').update(raw).digest();
  const expected = Buffer.from(fingerprint, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

function parseClaim(line: string): ClaimMessage | undefined {
  try {
    const message = JSON.parse(line) as Partial<ClaimMessage>;
    return message.type === 'claim' && typeof message.token === 'string' && message.token.length <= 256 ? { type: 'claim', token: message.token } : undefined;
  } catch {
    return undefined;
  }
}
