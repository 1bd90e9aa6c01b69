// Helpers for the connection tests: a database that counts its open transactions, a vault in
// a temporary directory, fake upstreams on loopback that hold a request until released, and a
// logger whose lines the test reads.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@remit/db';
import { LocalVaultStore, type SecretStore } from '@remit/secrets';
import pino, { type Logger } from 'pino';

/** `db` with a count of the transactions open on it right now, through either entry point. */
export function countingDb(db: Database): { db: Database; open(): number } {
  let open = 0;
  const counted =
    <A extends unknown[], T>(fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      open++;
      try {
        return await fn(...args);
      } finally {
        open--;
      }
    };
  return { db: { ...db, tenant: counted(db.tenant.bind(db)) as Database['tenant'], owner: counted(db.owner.bind(db)) as Database['owner'] }, open: () => open };
}

/** A fresh local vault, always removed afterwards. */
export async function withVault<T>(fn: (secrets: SecretStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'remit-connections-'));
  try {
    return await fn(await LocalVaultStore.open({ dataDir: dir }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A request held by a fake upstream: `arrived` resolves when it is in, `release()` lets it be answered. */
export class Gate {
  #arrive!: () => void;
  #release!: () => void;
  readonly arrived = new Promise<void>((r) => (this.#arrive = r));
  readonly #released = new Promise<void>((r) => (this.#release = r));

  /** Called by the fake: marks the arrival and waits for the test to release it. */
  hold(): Promise<void> {
    this.#arrive();
    return this.#released;
  }

  release(): void {
    this.#release();
  }
}

/**
 * Waits for each gate's request in whatever order they arrive, runs `check` while it is held,
 * then releases it. On a failed check every gate is released, so nothing is left hanging.
 */
export async function releaseEach(gates: readonly Gate[], check: () => void): Promise<void> {
  const held = [...gates];
  try {
    while (held.length) {
      const gate = await Promise.race(held.map((g) => g.arrived.then(() => g)));
      check();
      gate.release();
      held.splice(held.indexOf(gate), 1);
    }
  } finally {
    for (const gate of gates) gate.release();
  }
}

export interface FakeServer {
  url: string;
  /** Every request as `METHOD path`, in order. */
  seen: string[];
  close(): Promise<void>;
}

/** A fake upstream on 127.0.0.1 (the real ones cannot be reached here); `handle` answers each request, with its body read. */
export async function fakeServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => unknown): Promise<FakeServer> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    // A failing fake answers with a reset rather than an unhandled rejection.
    void (async () => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      seen.push(`${req.method} ${req.url}`);
      await handle(req, res, body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const json = (res: ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** A logger that keeps its lines, parsed, for the test to read. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}
