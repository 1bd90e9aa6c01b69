import pg from 'pg';
import { RESYNC, type Listen } from './notifications.ts';

/** How long a lost LISTEN connection waits before reconnecting. */
const RECONNECT_MS = 1000;

/**
 * LISTEN needs a connection of its own: a pooled one is handed to other transactions between
 * queries. One client per database serves every channel; if it drops, it reconnects and
 * listens again (what was announced meanwhile is caught by the readers' safety poll).
 */
export function createPgListener(connectionString: string): { listen: Listen; close(): Promise<void> } {
  const handlers = new Map<string, Set<(payload: string) => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let everConnected = false;

  const connect = (): Promise<pg.Client> =>
    (connecting ??= (async () => {
      const c = new pg.Client({ connectionString });
      c.on('notification', (m) => handlers.get(m.channel)?.forEach((h) => h(m.payload ?? '')));
      c.on('error', () => undefined); // 'end' follows, and reconnects
      c.on('end', () => {
        client = undefined;
        connecting = undefined;
        // A failed attempt ends its client too, and that 'end' schedules the next attempt.
        if (!closed && handlers.size > 0) setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS).unref();
      });
      await c.connect();
      for (const channel of handlers.keys()) await c.query(`listen "${channel}"`);
      const reconnected = everConnected;
      everConnected = true;
      client = c;
      // Whatever was announced while we were away is lost: tell every subscriber to look again.
      if (reconnected) for (const set of handlers.values()) for (const h of set) h(RESYNC);
      return c;
    })().catch((err: unknown) => {
      connecting = undefined;
      throw err;
    }));

  const listen: Listen = async (channel, onNotify) => {
    if (!/^[a-z0-9_]+$/.test(channel)) throw new RangeError(`bad channel name ${channel}`);
    let set = handlers.get(channel);
    const first = !set;
    if (!set) handlers.set(channel, (set = new Set()));
    set.add(onNotify);
    const c = client ?? (await connect());
    if (first && client === c) await c.query(`listen "${channel}"`);
    return async () => {
      set.delete(onNotify);
      if (set.size > 0) return;
      handlers.delete(channel);
      // The connection is gone or going; a channel left listening costs nothing, as no handler is left for it.
      await client?.query(`unlisten "${channel}"`).catch(() => undefined);
    };
  };

  return {
    listen,
    async close() {
      closed = true;
      await client?.end().catch(() => undefined); // closing: a connection that cannot end cleanly is dropped anyway
    },
  };
}
