import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake upstream on loopback for connection checks: GET /status answers 200 to `Bearer <token>` (or basic `user:password`), 401 otherwise. */
export interface FakeTokenApi {
  url: string;
  /** The credential it accepts now; change it to play a rotated token. */
  accept: { token: string; basic?: string };
  /** While set, every request waits for this promise before it is answered. */
  hold: Promise<void> | undefined;
  /** Resolves when the next request arrives. */
  nextRequest(): Promise<void>;
  /** Requests seen, as `METHOD path`. */
  seen: string[];
  close(): Promise<void>;
}

export async function startFakeTokenApi(token: string): Promise<FakeTokenApi> {
  let arrived: (() => void) | undefined;
  const api: Omit<FakeTokenApi, 'url' | 'close'> = {
    accept: { token },
    hold: undefined,
    seen: [],
    nextRequest: () => new Promise<void>((r) => (arrived = r)),
  };
  const server = createServer((req, res) => {
    api.seen.push(`${req.method} ${req.url}`);
    arrived?.();
    void Promise.resolve(api.hold).then(() => {
      const auth = req.headers.authorization;
      const basic = api.accept.basic ? `Basic ${Buffer.from(api.accept.basic).toString('base64')}` : undefined;
      const ok = auth === `Bearer ${api.accept.token}` || (basic !== undefined && auth === basic);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { ok: true } : { error: 'unauthorized' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
