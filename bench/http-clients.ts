/**
 * The clients push-streams.ts measures the API with: plain node:http, so every figure includes a
 * real socket, the server's request parsing and its streaming of the response.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One bearer-authenticated request on `agent`; resolves with status and body once the response has ended. */
export function call(
  origin: string,
  agent: http.Agent,
  method: string,
  path: string,
  token: string,
  json?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const headers = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
    const req = http.request(`${origin}${path}`, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface TranscriptStream {
  /** Resolves with the moment (performance.now) the event numbered `seq` arrived, even if that was before the call. */
  until(seq: number): Promise<number>;
  /** False once the server ended the response or the connection dropped. */
  readonly open: boolean;
  close(): void;
}

/** Opens GET /v1/runs/:id/events on a connection of its own; resolves once the server answered 200. */
export function openTranscript(origin: string, token: string, runId: string): Promise<TranscriptStream> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    const req = http.get(`${origin}/v1/runs/${runId}/events`, { agent: false, headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`stream on run ${runId}: HTTP ${res.statusCode}`));
        return;
      }
      let open = true;
      let buffer = '';
      const arrived = new Map<number, number>();
      const waiting = new Map<number, (at: number) => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const id = /^id: ?(\d+)$/m.exec(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (!id) continue; // a keepalive comment
          arrived.set(Number(id[1]), at);
          waiting.get(Number(id[1]))?.(at);
        }
      });
      res.on('error', () => undefined); // close() aborts it on purpose
      res.on('close', () => (open = false));
      resolve({
        until: (seq) => new Promise((done) => (arrived.has(seq) ? done(arrived.get(seq)!) : waiting.set(seq, done))),
        get open() {
          return open;
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
