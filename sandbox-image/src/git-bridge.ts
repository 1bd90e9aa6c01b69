import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface GitBridge {
  /** The loopback port git's `http.proxy` points at. */
  port: number;
  close(): Promise<void>;
}

interface GitBridgeOptions {
  egressSocketPath: string;
  connection: string;
  repository: string;
  /** An Authorization header value added to each forwarded request; never seen by git. */
  authorization?: string;
}

/**
 * git speaks TCP, the egress proxy listens on a unix socket: this forward proxy on 127.0.0.1
 * (the sandbox's own loopback, in its own network namespace) carries git's smart-HTTP fetch
 * requests to the proxy with `Host` set to the connection. It adds the git token itself, so
 * the token never appears in git's argv (readable by every process in the sandbox through
 * /proc/<pid>/cmdline), environment or config, and it forwards only fetches of `repository`.
 */
export async function startGitBridge(options: GitBridgeOptions): Promise<GitBridge> {
  const server = createServer((req, res) => forward(options, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(options: GitBridgeOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = allowedPath(options, req);
  if (path === undefined) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('the git bridge only forwards fetches of the requested repository\n');
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !/^(host|connection|proxy-.*|authorization)$/i.test(name)) headers[name] = value;
  }
  headers.host = options.connection;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const upstream = request({ socketPath: options.egressSocketPath, method: req.method, path, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.once('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end();
  });
  req.pipe(upstream);
}

/** Git sends absolute-form targets to a proxy (`GET http://conn/owner/repo.git/info/refs?...`). */
function allowedPath(options: GitBridgeOptions, req: IncomingMessage): string | undefined {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    return undefined; // not a URL: refused like any other target outside the repository
  }
  if (target.protocol !== 'http:' || target.host !== options.connection) return undefined;
  const base = `/${options.repository}.git`;
  const fetchRefs = req.method === 'GET' && target.pathname === `${base}/info/refs` && target.search === '?service=git-upload-pack';
  const uploadPack = req.method === 'POST' && target.pathname === `${base}/git-upload-pack` && target.search === '';
  return fetchRefs || uploadPack ? `${target.pathname}${target.search}` : undefined;
}
