import { apiFromOptions, segment } from '../api-client.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printTable } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

// `remit graph query …`: the knowledge graph through the API, as far as the token's roles reach.
// Each subcommand is one GET of /v1/graph; --json prints what the API answered.

export interface GraphQueryOpts extends ApiJsonOpts {
  limit: string;
}

interface Repository {
  name: string;
  connection: string | null;
  commit: string;
  indexedAt: string;
  files: number;
  symbols: number;
}
interface GraphSymbol {
  repository: string;
  id: string;
  kind: string;
  signature: string;
  path: string;
  line: number;
}
interface Call {
  path: string;
  line: number;
  from: string;
  to: string;
  resolved: boolean;
}
interface Import {
  path: string;
  line: number;
  from: string;
  to: string;
  resolved: boolean;
}
interface Fact {
  path: string;
  line: number;
  method: string | null;
  target: string;
}
interface Service {
  repository: string;
  routes: Fact[];
  clients: Fact[];
  queues: Fact[];
}

const repoPath = (repo: string) => `/v1/graph/repositories/${segment(repo)}`;
const table = (columns: string[], rows: string[][]) => printTable(columns, rows, styleFor(process.stdout));
const max = (opts: GraphQueryOpts) => Math.max(1, Number.parseInt(opts.limit, 10) || 1);

/** `remit graph query repositories`: the indexed repositories you can read. */
export async function graphRepositories(ctx: CommandContext, opts: GraphQueryOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const repos = await client.list<Repository>('/v1/graph/repositories', { limit: '500' }, max(opts));
  if (opts.json) printJson(repos);
  else
    table(
      ['REPOSITORY', 'CONNECTION', 'COMMIT', 'INDEXED', 'FILES', 'SYMBOLS'],
      repos.map((r) => [r.name, r.connection ?? '(local)', r.commit.slice(0, 12), r.indexedAt, String(r.files), String(r.symbols)]),
    );
  return ExitCode.ok;
}

/** `remit graph query symbols REPO [NAME] [--kind K] [--exact]`: symbols by name prefix (or exact name) and kind. */
export async function graphSymbols(
  ctx: CommandContext,
  repo: string,
  name: string | undefined,
  opts: GraphQueryOpts & { kind?: string; exact?: boolean },
): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const symbols = await client.list<GraphSymbol>(
    `${repoPath(repo)}/symbols`,
    { q: name, kind: opts.kind, match: opts.exact ? 'exact' : 'prefix', limit: String(Math.min(500, max(opts))) },
    max(opts),
  );
  if (opts.json) printJson(symbols);
  else
    table(
      ['KIND', 'SYMBOL', 'AT', 'SIGNATURE'],
      symbols.map((s) => [s.kind, s.id, `${s.path}:${s.line}`, s.signature]),
    );
  return ExitCode.ok;
}

/** `remit graph query callers|callees REPO SYMBOL_ID`. */
export async function graphCalls(ctx: CommandContext, direction: 'callers' | 'callees', repo: string, symbol: string, opts: GraphQueryOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const calls = await client.list<Call>(`${repoPath(repo)}/symbols/${segment(symbol)}/${direction}`, { limit: String(Math.min(500, max(opts))) }, max(opts));
  if (opts.json) printJson(calls);
  else
    table(
      [direction === 'callers' ? 'CALLER' : 'CALLEE', 'AT', 'RESOLVED'],
      calls.map((c) => [direction === 'callers' ? c.from : c.to, `${c.path}:${c.line}`, c.resolved ? 'yes' : 'by name']),
    );
  return ExitCode.ok;
}

/** `remit graph query deps REPO PATH`: what a module imports, and what imports it. */
export async function graphDependencies(ctx: CommandContext, repo: string, path: string, opts: GraphQueryOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const deps = await client.get<{ imports: Import[]; importedBy: Import[]; truncated: boolean }>(`${repoPath(repo)}/modules/${segment(path)}/dependencies`, {
    limit: String(Math.min(1000, max(opts))),
  });
  if (opts.json) printJson(deps);
  else {
    table(
      ['DIRECTION', 'MODULE', 'AT'],
      [...deps.imports.map((i) => ['imports', i.to, `${i.path}:${i.line}`]), ...deps.importedBy.map((i) => ['imported by', i.from, `${i.path}:${i.line}`])],
    );
    if (deps.truncated) process.stdout.write(`(cut at ${max(opts)} each way; raise --limit)\n`);
  }
  return ExitCode.ok;
}

/** `remit graph query owners REPO PATH`: CODEOWNERS' last matching rule. */
export async function graphOwners(ctx: CommandContext, repo: string, path: string, opts: GraphQueryOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const owners = await client.get<{ rule: { pattern: string; owners: string[]; line: number } | null }>(`${repoPath(repo)}/owners/${segment(path)}`);
  if (opts.json) printJson(owners);
  else if (!owners.rule) process.stdout.write(`no CODEOWNERS rule matches ${escapeForTerminal(path)}\n`);
  else
    process.stdout.write(
      `${escapeForTerminal(owners.rule.owners.join(' ') || '(nobody)')}  (CODEOWNERS line ${owners.rule.line}: ${escapeForTerminal(owners.rule.pattern)})\n`,
    );
  return ExitCode.ok;
}

/** `remit graph query services [--repository R]`: routes served, HTTP clients and queues, per repository. */
export async function graphServices(ctx: CommandContext, opts: GraphQueryOpts & { repository?: string }): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const services = await client.list<Service>('/v1/graph/service-map', { repository: opts.repository, perKind: String(Math.min(1000, max(opts))) });
  if (opts.json) printJson(services);
  else
    table(
      ['REPOSITORY', 'KIND', 'METHOD', 'TARGET', 'AT'],
      services.flatMap((s) =>
        (
          [
            ['route', s.routes],
            ['client', s.clients],
            ['queue', s.queues],
          ] as const
        ).flatMap(([kind, facts]) => facts.map((f) => [s.repository, kind, f.method ?? '-', f.target, `${f.path}:${f.line}`])),
      ),
    );
  return ExitCode.ok;
}
