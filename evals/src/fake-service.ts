import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The one small server every scenario's fake system is made of: a FAKE service on loopback that
 * answers a scenario's fixed routes with JSON (or text), requires the connection's bearer token
 * like the demo's payments service, and records every request it receives so the runner can
 * check that nothing outside the role reached it and no secret was sent to it.
 */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** As received, Authorization included (a careless debug endpoint may reflect it). */
  headers: IncomingHttpHeaders;
  body: string;
}

/** A route's answer: JSON unless `text` is given. */
export interface FakeResponse {
  status?: number;
  json?: unknown;
  text?: string;
}

export type FakeRoute = (req: FakeRequest) => FakeResponse;

/** What a fake service received: everything but the Authorization header, which only the egress proxy sets. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeService {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** The path every connection is verified with before it is saved and before each run. */
export const VERIFY_PATH = '/status';

/** Request bodies past this are cut: a fake needs to see what was sent, not to store a flood. */
const MAX_RECORDED_BODY = 64 * 1024;

/** `routes` maps `METHOD /path` (or `/path` for GET) to its answer; everything else is 404. */
export async function startFakeService(options: { token: string; routes: Readonly<Record<string, FakeRoute>> }): Promise<FakeService> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const { authorization, ...headers } = req.headers;
      received.push({ method: req.method ?? 'GET', url: req.url ?? '', headers, body });
      const answer = (r: FakeResponse) => {
        const text = r.text ?? JSON.stringify(r.json ?? null);
        res.writeHead(r.status ?? 200, { 'content-type': r.text === undefined ? 'application/json' : 'text/plain; charset=utf-8' }).end(text);
      };
      if (authorization !== `Bearer ${options.token}`) return answer({ status: 401, json: { error: 'token required' } });
      if (url.pathname === VERIFY_PATH) return answer({ json: { ok: true } });
      const method = req.method ?? 'GET';
      const route = options.routes[`${method} ${url.pathname}`] ?? (method === 'GET' ? options.routes[url.pathname] : undefined);
      if (!route) return answer({ status: 404, json: { error: 'not found' } });
      answer(route({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      if (body.length < MAX_RECORDED_BODY) body += chunk.toString('utf8');
    });
    req.on('end', () => resolve(body.slice(0, MAX_RECORDED_BODY)));
    req.on('error', () => resolve(body));
  });
}
