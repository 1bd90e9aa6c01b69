import { createSecureServer, type Http2SecureServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect, type AddressInfo } from 'node:net';
import { TICKET_HEADER, TUNNEL_PATHS, type ClaimMessage } from '@remit/sandbox-agent';
import { createGatewayCertificate, type GatewayCertificate } from './gateway-certificate.ts';
import { TicketStore, type GatewayTicket, type RunBinding, type TicketRecord, type TicketRefusal } from './gateway-tickets.ts';

export type GatewayEvent =
  | { type: 'ticket_refused'; reason: TicketRefusal; ticketId?: string; remoteAddress?: string }
  | { type: 'sandbox_attached'; ticketId: string; remoteAddress?: string }
  | { type: 'sandbox_detached'; ticketId: string; runId?: string }
  | { type: 'stream_refused'; reason: 'not_attached' | 'not_claimed' | 'unknown_path'; ticketId?: string };

export interface SandboxGatewayOptions {
  /** Where to listen (default 0.0.0.0, port 0: any free port). */
  host?: string;
  port?: number;
  /** How long a ticket may wait to be redeemed (default 180 s: a Fargate task takes 30–90 s to start). */
  ticketTtlMs?: number;
  /** How long a connection may stay without a redeemed ticket (default 5 s). */
  attachTimeoutMs?: number;
  /** A second check of who redeems a ticket, e.g. the ECS task's own address (see ecs-driver.ts); false refuses it. */
  verifyPeer?: (ticketId: string, remoteAddress: string | undefined) => Promise<boolean>;
  onEvent?: (event: GatewayEvent) => void;
  /** The clock tickets expire by (default Date.now). */
  now?: () => number;
  /** Default: a fresh self-signed certificate (gateway-certificate.ts). */
  certificate?: GatewayCertificate;
}

export interface SandboxGateway {
  readonly address: { host: string; port: number };
  /** SHA-256 of the gateway's certificate, lowercase hex: what a sandbox pins. */
  readonly fingerprint: string;
  /** A single-use ticket for one sandbox (see gateway-tickets.ts). */
  issueTicket(options?: { ttlMs?: number }): GatewayTicket;
  /** Stops listening and cuts every sandbox. */
  close(): Promise<void>;
}

/** Connections that have not redeemed a ticket yet, held at once: a flood cannot exhaust our descriptors. */
const MAX_PENDING_SESSIONS = 64;
/** Bytes a sandbox may send on its attach stream (it has nothing to say there). */
const MAX_CONTROL_INPUT_BYTES = 1024;
const noop = () => undefined;

/**
 * The sandbox's only network peer on AWS: a TLS 1.3 HTTP/2 server (tunnel-protocol.ts in the
 * sandbox image describes the streams). A connection is worth nothing until it redeems a ticket
 * on its attach stream; then it may open channel and egress streams, each piped to the socket of
 * the run that claimed it — the same ChannelServer and egress server the local driver binds into
 * bubblewrap. Anything else (a second attach, an unknown path, a stream before the claim, frames
 * nghttp2 refuses, oversized headers) ends in a refusal or a closed connection, and every error
 * path has a listener: nothing a sandbox sends can end this process.
 */
export async function startSandboxGateway(options: SandboxGatewayOptions = {}): Promise<SandboxGateway> {
  const certificate = options.certificate ?? createGatewayCertificate();
  const tickets = new TicketStore(options.now ?? Date.now, options.ticketTtlMs ?? 180_000);
  const attachTimeoutMs = options.attachTimeoutMs ?? 5000;
  const emit = (event: GatewayEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing listener must not break the connection handling that reports through it.
    }
  };
  const attachedTo = new WeakMap<Http2Session, TicketRecord>();
  const sessions = new Set<Http2Session>();
  /** Per unattached connection: takes it off the pending count once (attached or closed). */
  const leavePending = new WeakMap<Http2Session, () => void>();
  let pending = 0;

  const server: Http2SecureServer = createSecureServer({
    key: certificate.keyPem,
    cert: certificate.certPem,
    minVersion: 'TLSv1.3',
    allowHTTP1: false,
    // A tunnel sends one short header block per stream: 8 KB and 16 pairs refuse anything larger.
    maxHeaderListPairs: 16,
    settings: { maxConcurrentStreams: 32, maxHeaderListSize: 8 * 1024, enablePush: false },
    maxSessionInvalidFrames: 10,
    maxSessionRejectedStreams: 10,
    maxSessionMemory: 16,
    unknownProtocolTimeout: 1000,
  });
  server.on('tlsClientError', noop); // a failed handshake (a scanner, a client that would not pin us)
  server.on('sessionError', noop);
  server.on('unknownProtocol', (socket) => socket.destroy());
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', noop); // 'close' follows
    if (pending >= MAX_PENDING_SESSIONS) return void session.destroy();
    pending += 1;
    let counted = true;
    const settle = () => {
      if (counted) pending -= 1;
      counted = false;
    };
    const timer = setTimeout(() => {
      if (!attachedTo.has(session)) session.destroy();
    }, attachTimeoutMs);
    timer.unref();
    session.once('close', () => {
      clearTimeout(timer);
      settle();
      sessions.delete(session);
      const record = attachedTo.get(session);
      if (record === undefined) return;
      record.resolveDetached();
      emit({ type: 'sandbox_detached', ticketId: record.id, ...(record.binding ? { runId: record.binding.runId } : {}) });
    });
    leavePending.set(session, settle);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', noop); // a reset stream; the session's own handling decides the rest
    try {
      route(stream, headers);
    } catch {
      stream.session?.destroy(); // a bug here costs one sandbox's connection, never the process
    }
  });

  function route(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const session = stream.session;
    if (session === undefined) return;
    const record = attachedTo.get(session);
    const path = headers[':path'];
    if (headers[':method'] === 'POST' && path === TUNNEL_PATHS.attach) {
      if (record !== undefined) return void session.destroy(); // one attach per connection
      return attach(stream, session, headers[TICKET_HEADER]);
    }
    if (headers[':method'] === 'POST' && (path === TUNNEL_PATHS.channel || path === TUNNEL_PATHS.egress)) {
      if (record === undefined) return refuse(stream, 403, { type: 'stream_refused', reason: 'not_attached' }, session);
      if (record.binding === undefined || record.state === 'revoked')
        return refuse(stream, 403, { type: 'stream_refused', reason: 'not_claimed', ticketId: record.id });
      return pipe(stream, path === TUNNEL_PATHS.channel ? record.binding.channelSocketPath : record.binding.egressSocketPath);
    }
    refuse(stream, 404, { type: 'stream_refused', reason: 'unknown_path', ...(record ? { ticketId: record.id } : {}) }, record ? undefined : session);
  }

  /** Answers a stream with a bare status; an unattached connection is then closed, it gets nothing more. */
  function refuse(stream: ServerHttp2Stream, status: number, event: GatewayEvent, close?: Http2Session): void {
    emit(event);
    if (!stream.destroyed && !stream.headersSent) stream.respond({ ':status': status }, { endStream: true });
    if (close !== undefined) close.close();
  }

  function attach(stream: ServerHttp2Stream, session: Http2Session, presented: string | string[] | undefined): void {
    const remoteAddress = session.socket?.remoteAddress;
    const redemption = tickets.redeem(presented);
    if (!redemption.ok) {
      const { reason, ticketId } = redemption;
      return refuse(stream, 401, { type: 'ticket_refused', reason, ...(ticketId ? { ticketId } : {}), ...(remoteAddress ? { remoteAddress } : {}) }, session);
    }
    const { record } = redemption;
    // The ticket is already spent: whatever the check answers, nobody else may redeem it.
    const verified = options.verifyPeer ? options.verifyPeer(record.id, remoteAddress).catch(() => false) : Promise.resolve(true);
    void verified.then((ok) => {
      if (record.state === 'revoked' || session.destroyed || stream.destroyed) return void session.destroy();
      if (!ok) {
        refuse(stream, 401, { type: 'ticket_refused', reason: 'peer_mismatch', ticketId: record.id, ...(remoteAddress ? { remoteAddress } : {}) }, session);
        return record.rejectAttached(new Error('the ticket was redeemed from an unexpected address'));
      }
      attachedTo.set(session, record);
      leavePending.get(session)?.();
      let received = 0;
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_CONTROL_INPUT_BYTES) session.destroy();
      });
      stream.once('close', () => session.close()); // the attach stream is the connection's life
      stream.respond({ ':status': 200, 'content-type': 'application/x-ndjson' });
      record.link = {
        sendClaim: (binding) => {
          if (!stream.destroyed) stream.write(`${JSON.stringify({ type: 'claim', token: binding.bootstrapToken } satisfies ClaimMessage)}\n`);
        },
        cut: () => session.destroy(),
      };
      emit({ type: 'sandbox_attached', ticketId: record.id, ...(remoteAddress ? { remoteAddress } : {}) });
      record.resolveAttached();
      if (record.binding !== undefined) record.link.sendClaim(record.binding);
    });
  }

  function pipe(stream: ServerHttp2Stream, socketPath: string): void {
    const socket = connect(socketPath);
    socket.on('error', () => stream.close(0x2)); // INTERNAL_ERROR: the run's server is gone
    stream.respond({ ':status': 200 });
    stream.pipe(socket);
    socket.pipe(stream);
    stream.once('close', () => socket.destroy());
    socket.once('close', () => {
      if (!stream.destroyed) stream.end();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', noop);
  const bound = server.address() as AddressInfo;

  return {
    address: { host: options.host ?? '0.0.0.0', port: bound.port },
    fingerprint: certificate.fingerprint,
    issueTicket: (issue = {}) => tickets.issue(issue.ttlMs),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

export type { GatewayTicket, RunBinding, TicketRefusal };
