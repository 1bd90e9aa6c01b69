import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Serves the run's egress socket; the real proxy (allowlist, credentials, egress guard) is
 * injected here. `clientError`, when present, records what the HTTP parser refused before it
 * became a request.
 */
export type EgressHandler = ((req: IncomingMessage, res: ServerResponse) => void | Promise<void>) & { clientError?: (code: string) => void };

/** The default when a session is given no proxy: every request is refused. */
export const denyAllEgress: EgressHandler = (req, res) => {
  req.resume();
  const body = JSON.stringify({ error: { code: 'egress_denied', message: 'This sandbox has no egress.' } });
  res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
};

/** What a sandbox may send before the server stops listening to it (node's defaults are larger). */
const MAX_HEADER_BYTES = 16 * 1024;
const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Listens on the sandbox's egress socket. Everything a sandbox sends ends in one error path:
 * a handler that throws or rejects answers 502 (or cuts a started response), a request line or
 * header block the parser refuses answers 400 and is recorded, and a socket reset is ignored.
 * Nothing a sandbox sends can end the process that serves it.
 */
export async function listenEgress(socketPath: string, handler: EgressHandler): Promise<Server> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0 }, (req, res) => {
    res.on('error', () => undefined); // the sandbox hung up
    const fail = () => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      res
        .writeHead(502, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify({ error: { code: 'egress_internal', message: 'The egress proxy could not handle this request.' } }));
    };
    // The handler reports its own failures (egress-proxy.ts); this only keeps a bug in it from
    // leaving a request unanswered or ending the process.
    try {
      void Promise.resolve(handler(req, res)).catch(fail);
    } catch {
      fail();
    }
  });
  const refusedSockets = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser may report more than once for one connection (what follows a bad header block).
    if (refusedSockets.has(socket)) return void socket.destroy();
    refusedSockets.add(socket);
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'egress_headers_too_large' : 'egress_malformed_request';
    try {
      handler.clientError?.(code);
    } catch {
      // Recording is best effort here; the answer below is what matters.
    }
    if (socket.writable && err.code !== 'ECONNRESET')
      socket.end(`HTTP/1.1 ${code === 'egress_headers_too_large' ? 431 : 400} ${code}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}

export function closeEgress(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
