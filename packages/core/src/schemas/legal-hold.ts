import { z } from 'zod';
import { Id, Timestamp } from './common.ts';
import { page, pageQuery } from './page.ts';

const HoldSubject = z
  .discriminatedUnion('type', [z.object({ type: z.literal('user'), id: Id }).strict(), z.object({ type: z.literal('run'), id: Id }).strict()])
  .meta({ id: 'LegalHoldSubject', description: 'The user (all their runs, model calls and sessions) or the one run the hold keeps' });

/** A legal hold: while active, retention leaves its subject's data alone. */
export const LegalHold = z
  .object({
    id: Id,
    subject: HoldSubject,
    reason: z.string(),
    setBy: Id.nullable().meta({ description: 'The admin who placed it' }),
    setAt: Timestamp,
    releasedAt: Timestamp.nullable().meta({ description: 'null while the hold is active' }),
    releasedBy: Id.nullable(),
  })
  .meta({ id: 'LegalHold' });
export type LegalHold = z.infer<typeof LegalHold>;

export const LegalHoldCreate = z
  .object({
    subject: HoldSubject,
    reason: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .meta({ description: 'Why, for whoever reviews holds later (a matter or ticket reference)', example: 'Litigation hold, matter 2031-17' }),
  })
  .strict()
  .meta({ id: 'LegalHoldCreate' });
export type LegalHoldCreate = z.infer<typeof LegalHoldCreate>;

export const LegalHoldListQuery = z
  .object({
    released: z.enum(['include', 'exclude']).default('exclude').meta({ description: '`include` lists released holds too (default: active holds only)' }),
    ...pageQuery({ default: 100, max: 500 }),
  })
  .strict();

export const LegalHoldPage = page(LegalHold, 'LegalHoldPage');
