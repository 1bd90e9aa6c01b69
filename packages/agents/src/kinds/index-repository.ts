import { GitCheckoutInput, RemitError, zodToRemitError } from '@remit/core';
import { GraphRepositoryTaken } from '@remit/db';
import { z } from 'zod';
import type { LoopOutcome } from '../agent-loop.ts';
import { GraphIndexError } from '../graph/graph-index-error.ts';
import { indexInSandbox } from '../graph/index-in-sandbox.ts';
import type { KindContext, PreparedRun, RunKindModule, SandboxCall } from './run-kind.ts';

/** What an index run is asked: a repository and the role's connection (GitHub, or HTTP git) that hosts it, as JSON. */
export const IndexRunInput = z
  .object({
    repository: GitCheckoutInput.shape.repository,
    connection: GitCheckoutInput.shape.connection,
  })
  .strict()
  .meta({ id: 'IndexRunInput' });
export type IndexRunInput = z.infer<typeof IndexRunInput>;

/** A stored graph: the commit indexed, its size, how much of it this save changed, and that said in a line (the run's answer). */
export const IndexResult = z.object({
  answer: z.string(),
  repository: z.string(),
  commit: z.string(),
  files: z.int(),
  symbols: z.int(),
  edges: z.int(),
  facts: z.int(),
  changedFiles: z.int(),
  removedFiles: z.int(),
  /** Files the sandbox parsed: the changed ones and those it had to relink; the others kept the stored graph's records. */
  parsedFiles: z.int(),
});
export type IndexResult = z.infer<typeof IndexResult>;

const CHECKOUT_DIR = 'repo';

/**
 * A repository's knowledge graph, indexed as a role: the run's sandbox opens with the role's
 * connections as any run's does, checks the repository out through the role's GitHub connection,
 * indexes the checkout there (the source never leaves the sandbox) and the graph is stored. No
 * model is asked anything: the whole run happens once the sandbox is ready, and ends there.
 */
export const indexRepository: RunKindModule<IndexResult> = {
  kind: 'index',
  // Never sent: an index run has no model turn.
  systemPrompt: 'Indexes a repository into the knowledge graph; no model is involved.',
  tools: () => ({ specs: [], offered: new Set(), connectionsFor: {} }),
  result: IndexResult,
  checkInput,
  prepare: prepareIndexRun,
};

const INPUT_SHAPE = 'An index run is asked {"repository":"owner/name","connection":"<connection>"}.';

/** A 400 at POST /v1/runs naming what is wrong (`input.repository: …`), rather than a run that fails input_invalid. */
function checkInput(text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RemitError('validation_failed', `input: not JSON. ${INPUT_SHAPE}`);
  }
  const parsed = IndexRunInput.safeParse(json);
  if (!parsed.success) throw zodToRemitError(parsed.error, { target: 'json', prefix: 'input' });
}

async function prepareIndexRun(ctx: KindContext): Promise<PreparedRun<IndexResult> | { end: LoopOutcome }> {
  const fail = async (reason: string, message: string): Promise<LoopOutcome> => {
    await ctx.emit('error', { reason, message });
    return { status: 'failed', reason, answer: null, steps: 0 };
  };
  const input = parseInput(ctx.run.input);
  if (!input) return { end: await fail('input_invalid', INPUT_SHAPE) };
  // The role must reach the connection itself: the graph is stored under it, and only its roles read it.
  const connectionId = await ctx.tenant(async (sql) => {
    const res = await sql.query<{ id: string }>(
      `select c.id from connections c join role_connections rc on rc.connection_id = c.id
        where c.name = $1 and rc.role_id = $2`,
      [input.connection, ctx.run.roleId],
    );
    return res.rows[0]?.id;
  });
  if (!connectionId) return { end: await fail('connection_not_reachable', `The run's role does not reach a connection named "${input.connection}".`) };

  let result: IndexResult | null = null;
  return {
    input: ctx.run.input,
    async afterSandboxReady(call: SandboxCall) {
      const checkout = await call('git_checkout', { connection: input.connection, repository: input.repository, ref: 'HEAD', dir: CHECKOUT_DIR });
      if (!checkout.ok) return fail('checkout_failed', `The repository could not be checked out: ${checkout.error.message}`);
      const commit = (checkout.output as { commit: string }).commit;
      try {
        // The graph stored before, as the run's role sees it: the sandbox re-parses only what changed since.
        const previous = await ctx.loadGraph(input.repository);
        const { snapshot, parsedFiles } = await indexInSandbox(
          { call: (tool, args) => call(tool, args as Record<string, unknown>) as never },
          {
            dir: CHECKOUT_DIR,
            repository: input.repository,
            commit,
            ...(previous ? { previous } : {}),
          },
        );
        const saved = await ctx.saveGraph({ connectionId, snapshot }).catch((err: unknown) => {
          if (!(err instanceof GraphRepositoryTaken)) ctx.log.error({ err }, 'the repository graph could not be stored');
          return err instanceof GraphRepositoryTaken ? err : undefined;
        });
        if (saved instanceof GraphRepositoryTaken)
          return fail('repository_indexed_elsewhere', `${saved.message} Only a run through that connection re-indexes it.`);
        if (!saved) return fail('graph_store_failed', 'The repository was indexed, but its graph could not be stored.');
        const counts = { files: snapshot.files.length, symbols: snapshot.symbols.length, edges: snapshot.edges.length, facts: snapshot.facts.length };
        // The run's answer, what the API and CLI show; the counts are in the result as numbers too.
        const answer =
          `Indexed ${input.repository} at ${commit}: ${counts.files} files, ${counts.symbols} symbols, ${counts.edges} edges, ` +
          `${counts.facts} service facts (${saved.changedFiles} files changed, ${saved.removedFiles} removed, ${parsedFiles} parsed).`;
        result = { answer, repository: input.repository, commit, ...counts, changedFiles: saved.changedFiles, removedFiles: saved.removedFiles, parsedFiles };
        return { status: 'succeeded', reason: null, answer, steps: 0 };
      } catch (err) {
        if (!(err instanceof GraphIndexError)) throw err;
        return fail(err.code, err.message);
      }
    },
    settle: (outcome) => Promise.resolve({ outcome, result: outcome.status === 'succeeded' ? result : null }),
  };
}

function parseInput(text: string): IndexRunInput | undefined {
  try {
    return IndexRunInput.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}
