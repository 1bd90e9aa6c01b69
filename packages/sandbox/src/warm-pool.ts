import type { SandboxDriver, SandboxHandle, SandboxSpec } from './sandbox-driver.ts';
import { limitsFit, resolveSandboxLimits, type PoolableDriver, type PooledSandbox, type SandboxLimits } from './sandbox-driver.ts';

export interface WarmPoolOptions {
  /** Sandboxes kept started and waiting (0 turns the pool off). */
  size: number;
  /** The limits pool members start with; a run asking for others starts cold (default: the driver defaults). */
  limits?: Partial<SandboxLimits>;
  /** Members started at once while refilling (default 1: refills never crowd out a cold start). */
  refillConcurrency?: number;
  /** The first wait after a member fails to start, doubled per failure up to 30 s (default 1 s). */
  retryDelayMs?: number;
  onEvent?: (event: WarmPoolEvent) => void;
}

export type WarmPoolEvent =
  | { type: 'pool_claimed'; sandboxId: string; runId: string }
  | { type: 'pool_cold_start'; runId: string; reason: 'empty' | 'limits' | 'claim_failed' }
  | { type: 'pool_start_failed'; message: string };

/** What a warm pool holds now, for admins (GET /v1/admin/sandboxes). */
export interface WarmPoolStatus {
  /** Members it keeps waiting. */
  size: number;
  /** What members start with; a run asking for other memory, processes or CPU time starts cold (limitsFit). */
  limits: SandboxLimits;
  /** Ids of the members waiting for a run, longest waiting first. */
  ready: string[];
  /** Members starting, and the ids of those the driver has named so far. */
  starting: { count: number; ids: string[] };
}

export interface WarmPool extends SandboxDriver {
  /** What it holds now. */
  status(): WarmPoolStatus;
  /** Resolves when `size` members wait (or a start failed); for start-up checks, tests and benches. */
  filled(): Promise<void>;
  /** Stops refilling and destroys every member no run has claimed. */
  close(): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * A SandboxDriver that answers `create` with a sandbox started earlier, identity-less, whose
 * agent waits for a bootstrap token: claiming one hands it the run's sockets and token, and a
 * claimed sandbox never returns to the pool. With none waiting (or a run asking for other
 * limits) it starts one cold through the driver. The pool refills in the background after each
 * claim and after a member dies. Members show in `list` as pool members of this process, which
 * a reaper leaves alone while it runs. `destroy` of a waiting member takes it out of the pool
 * before killing it, so no run can claim it while it dies, and the pool starts another.
 */
export function createWarmPool(driver: PoolableDriver, options: WarmPoolOptions): WarmPool {
  const limits = resolveSandboxLimits(options.limits);
  const concurrency = options.refillConcurrency ?? 1;
  const idle: PooledSandbox[] = [];
  const starting = new Set<Promise<void>>();
  /** Members started by the driver, not yet ready. */
  const startingIds = new Set<string>();
  /** Starting members destroyed on purpose: their start failing is no reason to back off. */
  const discarded = new Set<string>();
  const waiters: (() => void)[] = [];
  let retryDelay = options.retryDelayMs ?? 1000;
  let backoffUntil = 0;
  let closed = false;
  const emit = (event: WarmPoolEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing listener must not stop the pool.
    }
  };
  /** After a start ends and refill ran: waiters wake once the pool is full, or once nothing is starting (a failure backs off, or it closed). */
  const wake = () => {
    if (idle.length < options.size && starting.size > 0) return;
    for (const resolve of waiters.splice(0)) resolve();
  };

  function refill(): void {
    while (!closed && idle.length + starting.size < options.size && starting.size < concurrency && Date.now() >= backoffUntil) {
      const start = startOne().finally(() => {
        starting.delete(start);
        refill();
        wake();
      });
      starting.add(start);
    }
  }

  async function startOne(): Promise<void> {
    let member: PooledSandbox | undefined;
    try {
      member = await driver.prestart(limits);
      startingIds.add(member.id);
      await member.ready;
    } catch (err) {
      if (member !== undefined) {
        startingIds.delete(member.id);
        await driver.destroy(member.id).catch(() => undefined);
        if (discarded.delete(member.id)) return;
      }
      emit({ type: 'pool_start_failed', message: err instanceof Error ? err.message : String(err) });
      backoffUntil = Date.now() + retryDelay;
      setTimeout(refill, retryDelay).unref();
      retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY_MS);
      for (const resolve of waiters.splice(0)) resolve();
      return;
    }
    startingIds.delete(member.id);
    if (discarded.delete(member.id) || closed) return void (await driver.destroy(member.id).catch(() => undefined));
    retryDelay = options.retryDelayMs ?? 1000;
    idle.push(member);
    const waiting = member;
    void waiting.gone.then(() => {
      const at = idle.indexOf(waiting);
      if (at === -1) return; // claimed (its run's session handles the end), or taken out by destroy
      idle.splice(at, 1);
      void driver.destroy(waiting.id).catch(() => undefined);
      refill();
    });
  }

  async function create(spec: SandboxSpec): Promise<SandboxHandle> {
    const at = idle.findIndex((member) => limitsFit(member.limits, spec.limits));
    if (at === -1) {
      emit({ type: 'pool_cold_start', runId: spec.runId, reason: idle.length === 0 ? 'empty' : 'limits' });
      refill();
      return driver.create(spec);
    }
    const [member] = idle.splice(at, 1) as [PooledSandbox];
    refill();
    try {
      const handle = await member.claim(spec);
      emit({ type: 'pool_claimed', sandboxId: member.id, runId: spec.runId });
      return handle;
    } catch {
      // It died while waiting, or could not be handed over: never reuse it, start cold instead.
      await driver.destroy(member.id).catch(() => undefined);
      emit({ type: 'pool_cold_start', runId: spec.runId, reason: 'claim_failed' });
      return driver.create(spec);
    }
  }

  async function destroy(id: string): Promise<void> {
    const at = idle.findIndex((member) => member.id === id);
    if (at !== -1) idle.splice(at, 1);
    if (startingIds.has(id)) discarded.add(id); // its start then ends, and refills, without a backoff
    try {
      await driver.destroy(id);
    } finally {
      if (at !== -1) refill();
    }
  }

  refill();
  return {
    name: driver.name,
    create,
    destroy,
    list: () => driver.list(),
    status: () => ({ size: options.size, limits, ready: idle.map((member) => member.id), starting: { count: starting.size, ids: [...startingIds] } }),
    filled: () =>
      idle.length >= options.size || closed
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiters.push(resolve);
            refill();
          }),
    close: async () => {
      closed = true;
      await Promise.allSettled([...starting]);
      const members = idle.splice(0);
      await Promise.all(members.map((member) => driver.destroy(member.id).catch(() => undefined)));
    },
  };
}
