import { createHash, randomBytes } from 'node:crypto';
import { TICKET_PATTERN } from '@remit/sandbox-agent';
import { SandboxError } from './sandbox-error.ts';

/** What a claimed sandbox is connected to: the run's two sockets and its one-time bootstrap token. */
export interface RunBinding {
  runId: string;
  bootstrapToken: string;
  channelSocketPath: string;
  egressSocketPath: string;
}

export type TicketRefusal = 'malformed' | 'unknown' | 'expired' | 'replayed' | 'peer_mismatch';

/** The gateway's side of one ticket: what the driver holds while its sandbox starts, waits in the pool, and serves a run. */
export interface GatewayTicket {
  /** Public and stable (tags, logs): never the ticket itself. */
  readonly id: string;
  /** The value the sandbox presents; only its SHA-256 is kept after issue. */
  readonly secret: string;
  readonly expiresAt: number;
  /** Resolves when a sandbox redeemed the ticket; rejects (not_ready) if it expires or is revoked first. */
  readonly attached: Promise<void>;
  /** Resolves when the redeemed sandbox's connection is gone. */
  readonly detached: Promise<void>;
  /** The run this sandbox serves, once claimed. */
  readonly binding: RunBinding | undefined;
  /** Hands the sandbox a run: its bootstrap goes over the tunnel now, or as soon as it attaches. Once only. */
  claim(binding: RunBinding): void;
  /** Refuses the ticket from now on and cuts its sandbox's connection (destroy). */
  revoke(): void;
}

/** What the gateway needs of a ticket record; the driver sees the GatewayTicket view. */
export interface TicketRecord {
  id: string;
  expiresAt: number;
  state: 'issued' | 'redeemed' | 'revoked';
  binding: RunBinding | undefined;
  /** Set by the gateway when a sandbox redeems it: sends the claim and cuts the connection. */
  link: { sendClaim(binding: RunBinding): void; cut(): void } | undefined;
  resolveAttached(): void;
  rejectAttached(error: Error): void;
  resolveDetached(): void;
}

export type Redemption = { ok: true; record: TicketRecord } | { ok: false; reason: TicketRefusal; ticketId?: string };

/**
 * Tickets by the SHA-256 of their value. A ticket is spent on its first redemption, before any
 * await, so two connections racing with one ticket cannot both pass; a later one is refused as
 * `replayed` and reported with the ticket's id. Looking up by hash keeps the value out of memory
 * after issue and makes the lookup's timing say nothing about it.
 */
export class TicketStore {
  private readonly byHash = new Map<string, TicketRecord>();

  constructor(
    private readonly now: () => number,
    private readonly defaultTtlMs: number,
  ) {}

  issue(ttlMs = this.defaultTtlMs): GatewayTicket {
    const secret = randomBytes(32).toString('base64url');
    const hash = hashTicket(secret);
    const id = `tkt-${randomBytes(8).toString('hex')}`;
    const expiresAt = this.now() + ttlMs;
    let resolveAttached!: () => void;
    let rejectAttached!: (error: Error) => void;
    let resolveDetached!: () => void;
    const attached = new Promise<void>((resolve, reject) => {
      resolveAttached = resolve;
      rejectAttached = reject;
    });
    attached.catch(() => undefined); // awaited by whoever waits for the sandbox; this keeps an unwatched expiry quiet
    const detached = new Promise<void>((resolve) => (resolveDetached = resolve));
    const record: TicketRecord = { id, expiresAt, state: 'issued', binding: undefined, link: undefined, resolveAttached, rejectAttached, resolveDetached };
    this.byHash.set(hash, record);
    // An unredeemed ticket is forgotten at expiry; its waiter learns it will never attach.
    const timer = setTimeout(() => {
      if (record.state !== 'issued') return;
      this.forget(hash, record);
      rejectAttached(new SandboxError('not_ready'));
    }, ttlMs);
    timer.unref();
    const forget = () => this.forget(hash, record);
    return {
      id,
      secret,
      expiresAt,
      attached,
      detached,
      get binding() {
        return record.binding;
      },
      claim(binding) {
        if (record.binding !== undefined) throw new RangeError('this sandbox was already claimed');
        if (record.state === 'revoked') throw new SandboxError('start_failed');
        record.binding = binding;
        record.link?.sendClaim(binding);
      },
      revoke() {
        clearTimeout(timer);
        forget();
        record.link?.cut();
        rejectAttached(new SandboxError('aborted'));
        resolveDetached();
      },
    };
  }

  /** Spends a presented ticket; anything but a known, live, unspent ticket is refused with the reason. */
  redeem(presented: unknown): Redemption {
    if (typeof presented !== 'string' || !TICKET_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
    const record = this.byHash.get(hashTicket(presented));
    if (record === undefined || record.state === 'revoked') return { ok: false, reason: 'unknown' };
    if (record.state === 'redeemed') return { ok: false, reason: 'replayed', ticketId: record.id };
    if (this.now() >= record.expiresAt) return { ok: false, reason: 'expired', ticketId: record.id };
    record.state = 'redeemed';
    return { ok: true, record };
  }

  private forget(hash: string, record: TicketRecord): void {
    record.state = 'revoked';
    this.byHash.delete(hash);
  }
}

function hashTicket(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}
