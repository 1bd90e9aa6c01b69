import { z } from 'zod';
import { Id, Slug, Timestamp } from './common.ts';
import { commaList, page, pageQuery } from './page.ts';

/** What an insight job looks at; the insight kind turns each into its prompt. */
export const InsightFocus = z.enum(['reliability', 'cost', 'security_posture']);
export type InsightFocus = z.infer<typeof InsightFocus>;

export const FindingSeverity = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

/**
 * Where a finding is in the review queue. Allowed moves (anything else is 409
 * `invalid_transition`): new → accepted | dismissed; accepted → done; dismissed → new (reopened).
 * done is final.
 */
export const FindingStatus = z.enum(['new', 'accepted', 'dismissed', 'done']);
export type FindingStatus = z.infer<typeof FindingStatus>;

export const findingTransitions: Readonly<Record<FindingStatus, readonly FindingStatus[]>> = {
  new: ['accepted', 'dismissed'],
  accepted: ['done'],
  dismissed: ['new'],
  done: [],
};

const Cron = z.string().trim().min(1).max(100).meta({
  description: 'Five-field cron expression (minute hour day-of-month month day-of-week), or @hourly, @daily, @weekly, @monthly',
  example: '0 6 * * 1-5',
});
const TimeZone = z.string().trim().min(1).max(64).meta({ description: 'IANA time zone the schedule is read in', example: 'Europe/London' });
const Guidance = z.string().max(2000).meta({ description: 'Free text added to the focus: what to look at, what to leave out' });

export const InsightJobCreate = z
  .object({
    name: Slug,
    role: Slug.meta({ description: 'The role the job’s runs act as: they reach only what it reaches, and it must allow insight runs' }),
    schedule: Cron,
    timezone: TimeZone.default('UTC'),
    focus: InsightFocus,
    guidance: Guidance.default(''),
    enabled: z.boolean().default(true),
  })
  .strict()
  .meta({ id: 'InsightJobCreate' });
export type InsightJobCreate = z.infer<typeof InsightJobCreate>;

export const InsightJobUpdate = z
  .object({ role: Slug, schedule: Cron, timezone: TimeZone, focus: InsightFocus, guidance: Guidance, enabled: z.boolean() })
  .partial()
  .strict()
  .meta({ id: 'InsightJobUpdate' });
export type InsightJobUpdate = z.infer<typeof InsightJobUpdate>;

export const InsightJob = z
  .object({
    id: Id,
    name: Slug,
    role: Slug,
    schedule: z.string(),
    timezone: z.string(),
    focus: InsightFocus,
    guidance: z.string(),
    enabled: z.boolean(),
    nextDueAt: Timestamp.nullable().meta({ description: 'When the scheduler next starts a run; null while disabled' }),
    lastDueAt: Timestamp.nullable().meta({ description: 'The last due time a run was started (or refused) for' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'InsightJob' });
export type InsightJob = z.infer<typeof InsightJob>;

export const InsightJobPage = page(InsightJob, 'InsightJobPage');

/** One piece of evidence: a tool call of the finding's run, by its transcript events, and what in it supports the finding. */
export const FindingEvidence = z
  .object({
    toolCallId: z.string(),
    tool: z.string(),
    callSeq: z.int().meta({ description: 'seq of the tool_call event in the run’s transcript' }),
    resultSeq: z.int().nullable().meta({ description: 'seq of its tool_result event; null if the call never returned' }),
    quote: z.string().meta({ description: 'A short quote from the result, as the model gave it' }),
  })
  .meta({ id: 'FindingEvidence' });
export type FindingEvidence = z.infer<typeof FindingEvidence>;

export const FindingHistoryEntry = z
  .object({
    from: FindingStatus.nullable().meta({ description: 'null for the entry that created the finding' }),
    to: FindingStatus,
    by: Id.nullable().meta({ description: 'The user who moved it; null when its run reported it' }),
    byEmail: z.string().nullable(),
    note: z.string(),
    at: Timestamp,
  })
  .meta({ id: 'FindingHistoryEntry' });

export const Finding = z
  .object({
    id: Id,
    title: z.string(),
    severity: FindingSeverity,
    summary: z.string(),
    evidence: z.array(FindingEvidence),
    suggestedChange: z.string(),
    status: FindingStatus,
    runId: Id.nullable(),
    job: z
      .object({ id: Id, name: Slug })
      .nullable()
      .meta({ description: 'The insight job whose run reported it; null for a run started by hand, or a deleted job' }),
    role: Slug.nullable().meta({ description: 'The role the run acted as' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Finding' });
export type Finding = z.infer<typeof Finding>;

export const FindingDetail = Finding.extend({ history: z.array(FindingHistoryEntry) }).meta({ id: 'FindingDetail' });
export type FindingDetail = z.infer<typeof FindingDetail>;

export const FindingPage = page(Finding, 'FindingPage');

/** GET /v1/insights/findings: filters combine with AND; newest first. */
export const FindingListQuery = z
  .object({
    status: commaList(FindingStatus, 'Only findings in this status, or any of several, comma-separated: `new,accepted`').optional(),
    severity: commaList(FindingSeverity, 'Only findings of this severity, or any of several').optional(),
    job: z.union([Id, Slug]).optional().meta({ description: 'Only findings of this insight job (id or name)' }),
    ...pageQuery({ default: 50, max: 200 }),
  })
  .strict();

export const FindingStatusChange = z
  .object({
    status: FindingStatus,
    note: z.string().trim().max(2000).default('').meta({ description: 'Why, for whoever reads the history' }),
  })
  .strict()
  .meta({ id: 'FindingStatusChange' });
export type FindingStatusChange = z.infer<typeof FindingStatusChange>;

// Model text lands in jsonb and text columns, which hold neither NUL nor a lone surrogate (the
// same test as the API's services/api/src/http/storable-text.ts).
// eslint-disable-next-line no-control-regex -- finding control characters is what this pattern is for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !UNSTORABLE.test(v), 'contains a NUL character or broken Unicode');

/**
 * The model's final answer in an insight run, as the insight kind asks for it. Model output is
 * untrusted: this is its one gate, and an answer that fails it stores nothing.
 */
export const InsightAnswer = z
  .object({
    findings: z
      .array(
        z
          .object({
            title: storable(200),
            severity: FindingSeverity,
            summary: storable(4000),
            evidence: z
              .array(z.object({ toolCallId: storable(200), quote: storable(500).optional() }).strip())
              .min(1)
              .max(20),
            suggestedChange: storable(4000),
          })
          .strip(),
      )
      .max(20),
  })
  .strip();
export type InsightAnswer = z.infer<typeof InsightAnswer>;
