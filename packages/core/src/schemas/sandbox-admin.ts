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
  })
  .meta({ id: 'Sandbox' });
export type Sandbox = z.infer<typeof Sandbox>;

export const SandboxPage = page(Sandbox, 'SandboxPage');

export const SandboxKilled = z
  .object({
    id: z.string(),
    run: z.object({ id: Id, status: RunStatus }).nullable().meta({ description: 'The run it served, cancelled first when it was still going' }),
  })
  .meta({ id: 'SandboxKilled' });
export type SandboxKilled = z.infer<typeof SandboxKilled>;
