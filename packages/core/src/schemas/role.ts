import { z } from 'zod';
import { Id, RunKind, Slug, Timestamp } from './common.ts';

const RoleLimits = z
  .object({
    maxDurationSeconds: z.int().min(10).max(86_400).default(900).meta({ description: 'Wall-clock limit of one run' }),
    maxSteps: z.int().min(1).max(500).default(30).meta({ description: 'Model turns allowed in one run' }),
  })
  .strict();

export const RoleCreate = z
  .object({
    name: Slug,
    description: z.string().max(500).default(''),
    connections: z.array(Slug).max(100).default([]).meta({ description: 'Names of the connections this role may reach' }),
    runKinds: z.array(RunKind).min(1).max(RunKind.options.length),
    limits: RoleLimits.default({ maxDurationSeconds: 900, maxSteps: 30 }),
  })
  .strict()
  .meta({ id: 'RoleCreate' });
export type RoleCreate = z.infer<typeof RoleCreate>;

export const RoleUpdate = z
  .object({
    description: z.string().max(500),
    connections: z.array(Slug).max(100),
    runKinds: z.array(RunKind).min(1).max(RunKind.options.length),
    limits: RoleLimits,
  })
  .partial()
  .strict()
  .meta({ id: 'RoleUpdate' });
export type RoleUpdate = z.infer<typeof RoleUpdate>;

export const Role = z
  .object({
    id: Id,
    name: Slug,
    description: z.string(),
    connections: z.array(Slug),
    runKinds: z.array(RunKind),
    limits: z.object({ maxDurationSeconds: z.int(), maxSteps: z.int() }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;
