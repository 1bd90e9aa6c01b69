import { z } from 'zod';
import { Id, Timestamp } from './common.ts';
import { page } from './page.ts';
import { RunStatus } from './run.ts';

/** A live sandbox as an admin sees it: whom it serves, and whether anything still owns it. */
export const Sandbox = z
  .object({
    id: z.string().meta({ description: 'The driver’s sandbox id, as `remit sandbox kill` takes it' }),
    driver: z.string(),
    kind: z.enum(['run', 'throwaway']).meta({ description: '`run`: serves a run; `throwaway`: `remit sandbox exec`, owned by a local process' }),
    startedAt: Timestamp,
    alive: z.boolean(),
    run: z
      .object({ id: Id, status: RunStatus.nullable().meta({ description: 'null when no run with this id exists (an orphan the reaper removes)' }) })
      .nullable(),
    owner: z
      .object({ pid: z.int(), running: z.boolean() })
      .nullable()
      .meta({ description: 'For a throwaway sandbox: the process that opened it, and whether it still runs' }),
    pool: z
      .object({
        state: z.enum(['warm', 'starting', 'elsewhere']).meta({
          description:
            '`warm`: started, waiting in this server’s pool for a run to claim it; `starting`: this server’s pool is starting it; `elsewhere`: a pool sandbox this server’s pool does not hold (another process’s pool, or one being claimed or discarded right now)',
        }),
      })
      .nullable()
      .meta({ description: 'For a warm-pool sandbox no run has claimed yet (its `kind` is `throwaway`, owned by the pool’s process); null for any other' }),
  })
  .meta({ id: 'Sandbox' });
export type Sandbox = z.infer<typeof Sandbox>;

/** The warm pool of the server that answered: what it keeps, what it holds now, and which runs it serves. */
export const WarmPoolSummary = z
  .object({
    size: z.int().meta({ description: 'Sandboxes it keeps started and waiting for runs (REMIT_SANDBOX_WARM_POOL_SIZE)' }),
    ready: z.int().meta({ description: 'Started and waiting now' }),
    starting: z.int().meta({ description: 'Being started now: refilling after a claim, a kill or a failed start' }),
    limits: z
      .object({ memoryMb: z.int(), maxProcesses: z.int(), cpuSeconds: z.int() })
      .meta({ description: 'What its sandboxes start with; a run asking for other limits starts cold (the wall-clock limit is each run’s own)' }),
  })
  .meta({ id: 'WarmPool' });
export type WarmPoolSummary = z.infer<typeof WarmPoolSummary>;

export const SandboxPage = page(Sandbox, 'SandboxPage', {
  pool: WarmPoolSummary.nullable().meta({
    description:
      'This server’s warm pool, the same on every page; null when it keeps none (REMIT_SANDBOX_WARM_POOL_SIZE=0). Other processes’ pools show only as their sandboxes, with pool.state `elsewhere`',
  }),
});
export type SandboxPage = z.infer<typeof SandboxPage>;

export const SandboxKilled = z
  .object({
    id: z.string(),
    run: z.object({ id: Id, status: RunStatus }).nullable().meta({ description: 'The run it served, cancelled first when it was still going' }),
    pool: Sandbox.shape.pool.meta({
      description: 'For a warm-pool sandbox: where it stood in the pool; it left the pool, which starts another. null for any other',
    }),
  })
  .meta({ id: 'SandboxKilled' });
export type SandboxKilled = z.infer<typeof SandboxKilled>;
