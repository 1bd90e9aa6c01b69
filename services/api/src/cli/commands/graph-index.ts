import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getConnectionRecord, saveGraphSnapshot } from '@remit/db';
import { openRuntime } from '../../runtime/open-runtime.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson } from '../print.ts';

export interface GraphIndexOpts {
  path: string;
  repository?: string;
  commit?: string;
  connection?: string;
  json?: boolean;
}

/**
 * `remit graph index --path DIR [--repository NAME] [--commit SHA] [--connection NAME]`: indexes
 * a local directory (development, the benchmark) and stores its graph in the data directory's
 * database, incrementally (files whose sha256 is unchanged keep their rows). The repository is
 * `local/<directory name>` unless named; without --connection it belongs to no connection, so
 * only admins read it; with one, every role that reaches that connection does.
 *
 * The directory is parsed in this process with @remit/graph's indexRepository, not in a
 * sandbox: it is the developer's own checkout. Indexing a repository for a role goes through a
 * run and its sandbox.
 */
export async function graphIndexCommand(ctx: CommandContext, opts: GraphIndexOpts): Promise<number> {
  const root = resolve(opts.path);
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new CliError('usage', `--path: ${escapeForTerminal(opts.path)} is not a directory`);
  const repository = opts.repository ?? `local/${basename(root)}`;
  const { indexRepository } = await import('@remit/graph');
  const rt = await openRuntime(ctx.config, ctx.logger);
  try {
    const connectionId = opts.connection
      ? (await rt.db.tenant({ orgId: rt.orgId, userId: null }, (sql) => getConnectionRecord(sql, { name: opts.connection! }))).id
      : null;
    const started = performance.now();
    const snapshot = await indexRepository({ root, repository, commit: opts.commit ?? 'worktree' });
    const indexedMs = performance.now() - started;
    const saved = await saveGraphSnapshot(rt.db, rt.orgId, { connectionId, snapshot });
    const summary = {
      repository,
      commit: snapshot.commit,
      files: snapshot.files.length,
      symbols: snapshot.symbols.length,
      edges: snapshot.edges.length,
      facts: snapshot.facts.length,
      changedFiles: saved.changedFiles,
      removedFiles: saved.removedFiles,
      indexMs: Math.round(indexedMs),
      storeMs: Math.round(performance.now() - started - indexedMs),
    };
    if (opts.json) printJson(summary);
    else
      process.stdout.write(
        `indexed ${escapeForTerminal(repository)}: ${summary.files} files (${summary.changedFiles} changed, ${summary.removedFiles} removed), ${summary.symbols} symbols, ${summary.edges} edges, ${summary.facts} facts in ${summary.indexMs} ms; stored in ${summary.storeMs} ms\n`,
      );
    return ExitCode.ok;
  } finally {
    await rt.close();
  }
}
