import { z } from 'zod';
import { Id, RunKind, Slug, Timestamp } from './common.ts';

export const RunStatus = z.enum(['queued', 'provisioning', 'running', 'finishing', 'succeeded', 'failed', 'cancelled', 'timed_out']);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunCreate = z
  .object({
    kind: RunKind,
    input: z.string().trim().min(1).max(20_000).meta({ example: 'Why is checkout returning 500s?' }),
    role: Slug.optional().meta({ description: 'Needed only when you hold more than one role that allows this kind' }),
  })
  .strict()
  .meta({ id: 'RunCreate' });
export type RunCreate = z.infer<typeof RunCreate>;

export const RunAccepted = z.object({ id: Id, status: z.literal('queued') }).meta({ id: 'RunAccepted' });

export const Run = z
  .object({
    id: Id,
    kind: RunKind,
    role: Slug,
    userId: Id.nullable(),
    input: z.string(),
    status: RunStatus,
    statusReason: z.string().nullable().meta({ description: 'Why the run ended as it did, e.g. max_steps_exceeded, worker_lost' }),
    answer: z.string().nullable(),
    steps: z.int(),
    limits: z.object({ maxDurationSeconds: z.int(), maxSteps: z.int() }),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Run' });
export type Run = z.infer<typeof Run>;

export const terminalRunStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];
