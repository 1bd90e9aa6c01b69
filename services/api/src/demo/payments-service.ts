import { createServer, type Server } from 'node:http';

/**
 * A toy payments service on loopback with a fault to find: its card processor times out, so
 * checkout answers 500. It is the "live system" the demo's troubleshooting run investigates.
 * Its endpoints need bearer tokens; Remit holds them sealed and adds them outside the sandbox.
 */
export interface PaymentsService {
  url: string;
  close(): Promise<void>;
}

const errorLog = (now: number) =>
  Array.from({ length: 12 }, (_, i) => {
    const at = new Date(now - (12 - i) * 17_000).toISOString();
    return i % 4 === 3
      ? { at, level: 'error', msg: 'POST /checkout 500: inventory reservation conflict', orderId: `ord_${1040 + i}` }
      : {
          at,
          level: 'error',
          msg: 'POST /checkout 500: card-processor timed out after 3000 ms (pool exhausted: 20/20 connections busy)',
          orderId: `ord_${1040 + i}`,
        };
  });

/** `readToken` opens the read endpoints (logs, metrics, status), `adminToken` the admin ones; /health is open. */
export async function startPaymentsService(options: { readToken: string; adminToken: string; port?: number }): Promise<PaymentsService> {
  const started = Date.now();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://payments');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname.startsWith('/admin')) {
      if (req.headers.authorization !== `Bearer ${options.adminToken}`) return json(401, { error: 'admin token required' });
      if (url.pathname === '/admin/status') return json(200, { ok: true });
      if (url.pathname === '/admin/restart' && req.method === 'POST') return json(202, { restarting: true });
      return json(404, { error: 'not found' });
    }
    if (url.pathname !== '/health' && req.headers.authorization !== `Bearer ${options.readToken}`) return json(401, { error: 'token required' });
    switch (url.pathname) {
      case '/status':
        return json(200, { ok: true });
      case '/debug/echo':
        // A careless debug endpoint that reflects the request, credentials included.
        return json(200, { method: req.method, headers: req.headers });
      case '/health':
        return json(503, {
          status: 'degraded',
          uptimeSeconds: Math.round((Date.now() - started) / 1000),
          checks: { database: 'ok', 'card-processor': 'timeout (p95 3012 ms, limit 3000 ms)', inventory: 'ok' },
        });
      case '/logs': {
        const level = url.searchParams.get('level');
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 50) || 50, 200);
        const lines = errorLog(Date.now()).filter((l) => !level || l.level === level);
        return json(200, { lines: lines.slice(-limit) });
      }
      case '/metrics':
        return json(200, { checkout: { requestsPerMinute: 84, errorRate: 0.31 }, cardProcessor: { poolSize: 20, busy: 20, p95Ms: 3012 } });
      case '/checkout':
        return json(500, { error: 'card processor unavailable' });
      default:
        return json(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
