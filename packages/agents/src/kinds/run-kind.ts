import type { CredentialBundle, RunKind, ToolName } from '@remit/core';
import type { RunRecord, SavedGraph, Sql } from '@remit/db';
import type { EgressTarget } from '@remit/egress';
import type { GraphSnapshot } from '@remit/graph/schema';
import type { ToolCallResult } from '@remit/sandbox';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LoopOutcome } from '../agent-loop.ts';
import type { GithubSettings } from '../review/github-settings.ts';
import type { GraphReach } from '../graph/graph-query-tool.ts';
import type { RunConnection, ToolCatalog } from '../tool-catalog.ts';

/**
 * One kind of run: what the model is told, which tools it is offered, what a result is and
 * where it goes. Adding a kind (review, insight) is one module and one registration in
 * kinds/index.ts; the worker and startRun know nothing kind-specific.
 */
export interface RunKindModule<Result extends Record<string, unknown> = Record<string, unknown>> {
  kind: RunKind;
  systemPrompt: string;
  /** The tools offered to the model, from the connections the run's role may use and the indexed repositories it reaches. */
  tools(connections: readonly RunConnection[], graph: GraphReach): ToolCatalog;
  /** What a finished run's result is: from the model's final answer, or (kinds with `prepare`) from settling. */
  result: z.ZodType<Result>;
  /**
   * Refuses input this kind can never run with a RemitError (a 4xx naming the field) when the
   * run is asked for, before it is queued; default: any text. The kind still parses its input
   * when it runs: this check is for the caller's sake, not a guarantee the run relies on.
   */
  checkInput?(input: string): void;
  /** The result from the model's final answer; throws AnswerRejected for an answer the kind cannot use (the run fails with its reason). */
  toResult?(answer: string): Result;
  /**
   * Writes a succeeded run's result beyond the run row (an insight's findings), inside the
   * transaction that records the run's outcome, so both commit or neither. Returns AnswerRejected,
   * having written nothing, when the result does not hold up against what the run did; the run
   * then fails with its reason. Default: nothing more.
   */
  deliver?(sql: Sql, result: Result, run: RunRecord): Promise<AnswerRejected | undefined>;
  /**
   * Work a kind does around the agent loop, outside the sandbox (a review reads its pull request
   * and posts back); default: none. Called once the run is provisioning, before its sandbox opens.
   */
  prepare?(context: KindContext): Promise<PreparedRun<Result> | { end: LoopOutcome }>;
}

/** What a kind's own work may use: the run, its log and its transcript, and the deployment's parts it needs. */
export interface KindContext {
  run: RunRecord;
  log: Logger;
  emit(type: 'error', data: { reason: string; message: string }): Promise<void>;
  github?: GithubSettings | undefined;
  /** Opens a short transaction as the run (the kind's own rows). */
  tenant: <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;
  /** The model's context window, for sizing what the input may carry. */
  contextWindowTokens: number;
  /** Stores a repository's graph for the run's org (saveGraphSnapshot, same connection only): what an index run produces. */
  saveGraph(input: { connectionId: string; snapshot: GraphSnapshot }): Promise<SavedGraph>;
  /** A repository's stored graph as the run's role sees it (loadGraphSnapshot), undefined if it sees none: what a re-index starts from. */
  loadGraph(repository: string): Promise<GraphSnapshot | undefined>;
}

/** Calls a tool in the run's sandbox, as the orchestrator (not the model). */
export type SandboxCall = (tool: ToolName, input: Record<string, unknown>) => Promise<ToolCallResult>;

/** A kind's part of one run, from its prepare hook. */
export interface PreparedRun<Result extends Record<string, unknown>> {
  /** What the model is asked (default: the run's input). */
  input: string;
  /** Access beside the role's: a connection the kind itself supplies, its egress target, what the sandbox holds (if anything), what to scrub. */
  access?: { connection: RunConnection; egress: EgressTarget; inside?: CredentialBundle['secrets'][number]; secretValues: string[] };
  /** Runs once the sandbox is ready, before the model's first turn (a checkout); an outcome returned ends the run there. */
  afterSandboxReady?(call: SandboxCall): Promise<LoopOutcome | undefined>;
  /**
   * Settles the run however it ended (the loop's outcome, or a failure before it): a review is
   * validated (`ask` gives the model one more turn, without tools, to repair it), posted, and its
   * check run completed. Returns the outcome to record and the result to store.
   */
  settle(outcome: LoopOutcome, ask: (input: string) => Promise<string | null>): Promise<{ outcome: LoopOutcome; result: Result | null }>;
}

/** A final answer a kind cannot use: the run fails with `reason`, and `message` goes to its transcript. */
export class AnswerRejected extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'AnswerRejected';
  }
}

/** A plain-text answer, stored on the run: what a troubleshooting run gives its developer. */
export const AnswerResult = z.object({ answer: z.string() });
export type AnswerResult = z.infer<typeof AnswerResult>;
