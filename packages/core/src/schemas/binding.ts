import { z } from 'zod';
import { Id, Slug, Timestamp } from './common.ts';

/** A binding grants a role to an IdP group or to one user (by email, compared lowercased). */
export const BindingSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group'), group: z.string().min(1).max(256) }).strict(),
  z
    .object({
      kind: z.literal('user'),
      email: z
        .email()
        .max(320)
        .transform((e) => e.toLowerCase()),
    })
    .strict(),
]);
export type BindingSubject = z.infer<typeof BindingSubject>;

export const BindingCreate = z.object({ role: Slug, subject: BindingSubject }).strict().meta({ id: 'BindingCreate' });
export type BindingCreate = z.infer<typeof BindingCreate>;

export const BindingUpdate = z.object({ role: Slug }).strict().meta({ id: 'BindingUpdate' });
export type BindingUpdate = z.infer<typeof BindingUpdate>;

export const Binding = z.object({ id: Id, role: Slug, subject: BindingSubject, createdAt: Timestamp }).meta({ id: 'Binding' });
export type Binding = z.infer<typeof Binding>;
