import { z } from 'zod';
import { Id, RunKind, Slug, Timestamp } from './common.ts';
import { commaList, page, pageQuery } from './page.ts';

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

/** What a run's model calls used: settled calls only (a call still in flight is not spend yet). */
export const RunUsage = z
  .object({ calls: z.int(), inputTokens: z.int(), outputTokens: z.int(), cacheReadTokens: z.int(), cacheWriteTokens: z.int(), costUsd: z.number() })
  .meta({ id: 'RunUsage' });

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
    userEmail: z
      .string()
      .nullable()
      .meta({ description: 'Email of the user who started the run; null for webhook and scheduled runs, and once that user is purged' }),
    model: z.string().nullable().meta({ description: 'Model id of the run’s latest model call; null before its first' }),
    usage: RunUsage,
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    durationMs: z.int().nullable().meta({ description: 'finishedAt − startedAt in milliseconds; null until the run has both' }),
  })
  .meta({ id: 'Run' });
export type Run = z.infer<typeof Run>;

export const RunPage = page(Run, 'RunPage');

/** GET /v1/runs: filters, then a page. Filters combine with AND, and with what the caller may see. */
export const RunListQuery = z
  .object({
    status: commaList(RunStatus, 'Only runs in this status, or in any of several, comma-separated: `failed,timed_out`').optional(),
    kind: commaList(RunKind, 'Only runs of this kind, or of any of several, comma-separated').optional(),
    role: Slug.optional().meta({ description: 'Only runs started as this role (its name)' }),
    user: z.string().min(1).max(320).optional().meta({ description: 'Only runs started by this user: an id, or an email (case-insensitive)' }),
    since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Only runs created at or after this time (RFC 3339)' }),
    mine: z.enum(['true', 'false']).optional().meta({ description: 'For admins: `true` lists only your own runs (others always see only theirs)' }),
    before: z.iso
      .datetime()
      .optional()
      .meta({ description: 'Deprecated: use `cursor`. Only runs created before this time', param: { deprecated: true } }),
    ...pageQuery({ default: 50, max: 200 }),
  })
  .strict();

export const terminalRunStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];
