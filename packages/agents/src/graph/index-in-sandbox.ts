import type { GraphIndexInput, ToolErrorCode } from '@remit/core';
import { MAX_CALL_LINE_BYTES } from '@remit/core/channel-framing';
import { GraphSnapshot } from '@remit/graph/schema';
import type { SandboxSession } from '@remit/sandbox';
import { GraphIndexError, type GraphIndexErrorCode } from './graph-index-error.ts';

export interface IndexInSandboxRequest {
  /** The directory in the sandbox's workdir (default `repo`, where `git_checkout` puts it). */
  dir?: string;
  /** The repository's name in the graph, e.g. `acme/payments`. */
  repository: string;
  /** Default: the checkout's HEAD (or `worktree` outside git). */
  commit?: string;
  /** Default 300 s. */
  timeoutMs?: number;
  /** The repository's stored graph: the sandbox re-parses only the files that changed since (see PREVIOUS_MAX_BYTES). */
  previous?: GraphSnapshot;
}

/** The graph the sandbox sent, and how many files it parsed to build it (the rest kept their previous records). */
export interface IndexedInSandbox {
  snapshot: GraphSnapshot;
  parsedFiles: number;
}

/**
 * The most a previous graph may take in the call, as JSON: the call travels as one channel line,
 * capped at MAX_CALL_LINE_BYTES by the agent, and the rest of the call is a few hundred bytes. A
 * larger graph (hundreds of thousands of symbols and edges) is not sent and the sandbox indexes
 * in full: slower, never wrong, and no partial graph to reason about (a file sent without all of
 * its records would be reused with some missing).
 */
export const PREVIOUS_MAX_BYTES = MAX_CALL_LINE_BYTES - 64 * 1024;

const fromToolError: Partial<Record<ToolErrorCode, GraphIndexErrorCode>> = {
  timeout: 'index_timeout',
  output_too_large: 'snapshot_too_large',
};
/** How many schema issues an error names: enough to debug, never a flood of sandbox-chosen text. */
const ISSUES_REPORTED = 5;

/**
 * Asks a run's sandbox to index a directory it holds and returns the graph, checked against
 * GraphSnapshot: the source stays in the sandbox, and what comes out is refused whole unless it
 * is a snapshot of the repository asked for (bounded, single-line strings, paths inside the
 * repository). Failures are GraphIndexErrors; a malformed or hostile answer never throws
 * anything else.
 */
export async function indexInSandbox(session: Pick<SandboxSession, 'call'>, request: IndexInSandboxRequest): Promise<IndexedInSandbox> {
  const input: Partial<GraphIndexInput> & Pick<GraphIndexInput, 'repository'> = { repository: request.repository };
  if (request.dir !== undefined) input.dir = request.dir;
  if (request.commit !== undefined) input.commit = request.commit;
  if (request.timeoutMs !== undefined) input.timeoutMs = request.timeoutMs;
  if (request.previous !== undefined && request.previous.repository === request.repository) {
    // Measured as the channel will write it; the graph is far smaller than the indexing it saves.
    if (Buffer.byteLength(JSON.stringify(request.previous)) <= PREVIOUS_MAX_BYTES) input.previous = request.previous;
  }
  const result = await session.call('graph_index', input);
  if (!result.ok) {
    const code = fromToolError[result.error.code] ?? 'index_failed';
    throw new GraphIndexError(code, undefined, { details: { toolError: result.error.code, sandboxMessage: result.error.message.slice(0, 512) } });
  }
  const parsed = GraphSnapshot.safeParse(result.output.snapshot);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, ISSUES_REPORTED).map((issue) => `${issue.path.join('.')}: ${issue.message}`.slice(0, 200));
    throw new GraphIndexError('snapshot_invalid', undefined, { details: { issues } });
  }
  if (parsed.data.repository !== request.repository || (request.commit !== undefined && parsed.data.commit !== request.commit)) {
    throw new GraphIndexError('snapshot_invalid', 'The sandbox sent the graph of another repository or commit.');
  }
  // A count the sandbox chose: never more than the files it sent, so a report cannot claim more work than the graph shows.
  const parsedFiles = Number.isSafeInteger(result.output.parsedFiles)
    ? Math.min(Math.max(result.output.parsedFiles, 0), parsed.data.files.length)
    : parsed.data.files.length;
  return { snapshot: parsed.data, parsedFiles };
}
