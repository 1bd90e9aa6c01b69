import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Serves the run's egress socket; the real proxy (allowlist, credentials, egress guard) is injected here. */
export type EgressHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The default when a session is given no proxy: every request is refused. */
export const denyAllEgress: EgressHandler = (req, res) => {
  req.resume();
  const body = JSON.stringify({ error: { code: 'egress_denied', message: 'This sandbox has no egress.' } });
  res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
};

export async function listenEgress(socketPath: string, handler: EgressHandler): Promise<Server> {
  const server = createServer(handler);
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
