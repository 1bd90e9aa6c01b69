import { statSync } from 'node:fs';
import type { GraphIndexInput, GraphIndexOutput } from '@remit/core';
import { runProcess } from './run-process.ts';
import { ToolFailure } from './tool-failure.ts';
import { toolEnvironment, type ToolContext } from './tool-context.ts';
import { resolveExisting } from './workdir-path.ts';

const GIT_TIMEOUT_MS = 10_000;

/**
 * `graph_index`: the knowledge graph of a directory in the workdir (a `git_checkout`, or a
 * path mounted for development), so only identifiers and signatures leave the sandbox. The
 * indexer (@remit/graph, with web-tree-sitter and the grammars' .wasm) is loaded on the first
 * call: the agent's own start stays as small as it was. In the agent's bundle, the import
 * resolves to graph-indexer.cjs beside agent.js, with the .wasm files (see agent-bundle.ts).
 */
export async function graphIndexTool(ctx: ToolContext, input: GraphIndexInput): Promise<GraphIndexOutput> {
  const started = performance.now();
  const root = resolveExisting(ctx.workdir, input.dir);
  if (!statSync(root).isDirectory()) throw new ToolFailure('invalid_input', `not a directory: ${input.dir}`);
  const commit = input.commit ?? (await headCommit(ctx, root)) ?? 'worktree';
  const { GraphSnapshot, indexRepository } = await import('@remit/graph');
  // The orchestrator's stored graph: reused only when it is a well-formed snapshot of this repository, else a full index.
  const previous = GraphSnapshot.safeParse(input.previous);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), input.timeoutMs);
  try {
    let parsedFiles = 0;
    const snapshot = await indexRepository({
      root,
      repository: input.repository,
      commit,
      signal: abort.signal,
      onParsed: (count) => (parsedFiles = count),
      ...(previous.success && previous.data.repository === input.repository ? { previous: previous.data } : {}),
    });
    return { snapshot, parsedFiles, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    if (abort.signal.aborted) throw new ToolFailure('timeout', `indexing did not finish within ${input.timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The checkout's HEAD commit, or undefined outside a git work tree (a local directory). */
async function headCommit(ctx: ToolContext, root: string): Promise<string | undefined> {
  const result = await runProcess({
    argv: ['git', '-c', 'core.fsmonitor=false', '-C', root, 'rev-parse', '--verify', '-q', 'HEAD'],
    cwd: root,
    env: { ...toolEnvironment(ctx), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CEILING_DIRECTORIES: ctx.workdir },
    timeoutMs: GIT_TIMEOUT_MS,
    maxOutputBytes: 1024,
    slackBytes: ctx.scrubber.slackBytes,
    groups: ctx.groups,
  }).catch(() => undefined);
  const commit = result?.exitCode === 0 ? result.stdout.text(ctx.scrubber.scrub).text.trim() : '';
  return /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined;
}
