import type { RunKind } from '@remit/core';
import { z } from 'zod';
import type { RunConnection, ToolCatalog } from '../tool-catalog.ts';

/**
 * One kind of run: what the model is told, which tools it is offered, what a result is and
 * where it goes. Adding a kind (review, insight) is one module and one registration in
 * kinds/index.ts; the worker and startRun know nothing kind-specific.
 */
export interface RunKindModule<Result extends Record<string, unknown> = Record<string, unknown>> {
  kind: RunKind;
  systemPrompt: string;
  /** The tools offered to the model, from the connections the run's role may use. */
  tools(connections: readonly RunConnection[]): ToolCatalog;
  /** What a finished run's result is, from the model's final answer. */
  result: z.ZodType<Result>;
  toResult(answer: string): Result;
  /** Delivers a succeeded run's result beyond the run row (a review posted back, an insight queued); default: nothing more. */
  deliver?(result: Result, run: { id: string; trigger: Record<string, unknown> }): Promise<void>;
}

/** A plain-text answer, stored on the run: what a troubleshooting run gives its developer. */
export const AnswerResult = z.object({ answer: z.string() });
export type AnswerResult = z.infer<typeof AnswerResult>;
