import { z } from 'zod';
import { RunStatus } from './run.ts';
import { Timestamp } from './common.ts';

/**
 * Every run event type and the shape of its data: the one source for the worker that writes
 * them, the database layer that stores them, the SSE route that streams them and the OpenAPI
 * document. Data schemas are loose objects: a reader must accept fields added later.
 */
const ToolUse = z.object({ id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) });

const runEventDataSchemas = {
  status: z.looseObject({
    status: RunStatus,
    reason: z.string().nullable().optional(),
    kind: z.string().optional(),
    role: z.string().optional(),
    sandboxId: z.string().optional(),
    readyMs: z.number().optional(),
    model: z.string().optional(),
    answer: z.string().nullable().optional(),
    steps: z.int().optional(),
  }),
  model_turn: z.looseObject({
    step: z.int(),
    model: z.string(),
    text: z.string(),
    toolCalls: z.array(ToolUse),
    stopReason: z.string(),
    usage: z
      .object({ inputTokens: z.number(), outputTokens: z.number(), cacheReadInputTokens: z.number().optional(), cacheWriteInputTokens: z.number().optional() })
      .nullable(),
  }),
  tool_call: ToolUse,
  tool_result: z.looseObject({
    id: z.string(),
    name: z.string(),
    ok: z.boolean(),
    output: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
  tool_denied: z.looseObject({
    id: z.string(),
    name: z.string(),
    connection: z.string().nullable().optional(),
    reason: z.enum(['tool_not_offered', 'connection_not_in_role']),
  }),
  egress: z.looseObject({
    connection: z.string(),
    method: z.string(),
    path: z.string(),
    allowed: z.boolean(),
    reason: z.string().nullable(),
    status: z.int().optional(),
  }),
  sandbox: z.looseObject({ type: z.string() }),
  connection_unavailable: z.looseObject({ name: z.string(), reason: z.string() }),
  error: z.looseObject({ reason: z.string(), message: z.string() }),
} as const;

export type RunEventType = keyof typeof runEventDataSchemas;
export const RunEventType = z.enum(Object.keys(runEventDataSchemas) as [RunEventType, ...RunEventType[]]);
export type RunEventData<T extends RunEventType = RunEventType> = z.infer<(typeof runEventDataSchemas)[T]>;

// Each variant is its own component (RunEventStatus, RunEventModelTurn, …), so the document
// carries a discriminator mapping from `type` to the shape of that event's data.
const componentName = (type: string) => `RunEvent${type.replace(/(^|_)([a-z])/g, (_, _sep: string, ch: string) => ch.toUpperCase())}`;
const eventOf = <T extends RunEventType>(type: T) =>
  z.object({ seq: z.int(), type: z.literal(type), data: runEventDataSchemas[type], at: Timestamp }).meta({ id: componentName(type) });

/** One transcript event as the API shows it: a union discriminated by `type`, so each type's data is documented. */
export const RunEvent = z
  .discriminatedUnion('type', [
    eventOf('status'),
    eventOf('model_turn'),
    eventOf('tool_call'),
    eventOf('tool_result'),
    eventOf('tool_denied'),
    eventOf('egress'),
    eventOf('sandbox'),
    eventOf('connection_unavailable'),
    eventOf('error'),
  ])
  .meta({ id: 'RunEvent' });
export type RunEvent = z.infer<typeof RunEvent>;
