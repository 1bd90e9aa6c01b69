import { page, pageQuery } from '@remit/core';
import { RepoPath, SymbolKind } from '@remit/graph/schema';
import { z } from 'zod';

// The knowledge graph's API shapes. Kinds come from @remit/graph's wire format, the one source
// of what an indexer may store.

const oneLine = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\r\n\0]*$/, 'must be one line');

export const GraphRepository = z
  .object({
    name: z.string(),
    connection: z.string().nullable().meta({ description: 'The connection it is read through; null for a local path (admins only)' }),
    commit: z.string(),
    indexedAt: z.iso.datetime(),
    files: z.int(),
    symbols: z.int(),
    edges: z.int(),
    facts: z.int(),
  })
  .meta({ id: 'GraphRepository' });
export const GraphRepositoryPage = page(GraphRepository, 'GraphRepositoryPage');

export const GraphSymbolView = z
  .object({
    repository: z.string(),
    id: z.string().meta({ description: '`<path>#<qualified name>`; a module is `<path>#`' }),
    path: z.string(),
    name: z.string(),
    qualifiedName: z.string(),
    kind: SymbolKind,
    signature: z.string(),
    exported: z.boolean(),
    line: z.int(),
    endLine: z.int(),
    doc: z.string().nullable(),
  })
  .meta({ id: 'GraphSymbol' });
export const GraphSymbolPage = page(GraphSymbolView, 'GraphSymbolPage');

export const GraphCall = z
  .object({
    path: z.string(),
    line: z.int(),
    from: z.string(),
    to: z.string().meta({ description: 'A symbol id when resolved; otherwise the callee as written' }),
    resolved: z.boolean(),
    symbol: z
      .object({ kind: SymbolKind, signature: z.string() })
      .nullable()
      .meta({ description: 'The other end (caller or callee), when it is a known symbol' }),
  })
  .meta({ id: 'GraphCall' });
export const GraphCallPage = page(GraphCall, 'GraphCallPage', { symbol: GraphSymbolView });

const GraphImport = z.object({ path: z.string(), line: z.int(), from: z.string(), to: z.string(), resolved: z.boolean() }).meta({ id: 'GraphImport' });
export const GraphModuleDependencies = z
  .object({
    repository: z.string(),
    module: z.string(),
    imports: z.array(GraphImport).meta({ description: 'What the module imports' }),
    importedBy: z.array(GraphImport).meta({ description: 'Resolved imports of the module, or of any of its symbols, from other files' }),
    truncated: z.boolean().meta({ description: 'A list was cut at `limit`' }),
  })
  .meta({ id: 'GraphModuleDependencies' });

const GraphFact = z
  .object({ path: z.string(), line: z.int(), method: z.string().nullable(), target: z.string(), symbol: z.string().nullable() })
  .meta({ id: 'GraphFact' });
export const GraphService = z
  .object({
    repository: z.string(),
    routes: z.array(GraphFact).meta({ description: 'HTTP routes it serves' }),
    clients: z.array(GraphFact).meta({ description: 'Outbound HTTP calls it makes' }),
    queues: z.array(GraphFact).meta({ description: 'Queues and topics it names' }),
  })
  .meta({ id: 'GraphService' });
export const GraphServicePage = page(GraphService, 'GraphServicePage');

export const GraphOwners = z
  .object({
    repository: z.string(),
    path: z.string(),
    rule: z
      .object({ pattern: z.string(), owners: z.array(z.string()), line: z.int() })
      .nullable()
      .meta({ description: 'The last CODEOWNERS rule that matches the path (it wins); null when none does' }),
  })
  .meta({ id: 'GraphOwners' });

const repoParam = oneLine(300).meta({ param: { name: 'repo', in: 'path' }, description: 'The repository’s name (URL-encoded: acme%2Fpayments) or id' });
export const RepoParams = z.object({ repo: repoParam });
export const SymbolParams = z.object({
  repo: repoParam,
  id: oneLine(1400).meta({ param: { name: 'id', in: 'path' }, description: 'A symbol id, URL-encoded (src%2Fpay.ts%23Ledger.charge)' }),
});
export const ModuleParams = z.object({
  repo: repoParam,
  path: RepoPath.meta({ param: { name: 'path', in: 'path' }, description: 'A file path inside the repository, URL-encoded' }),
});

export const GraphRepositoryQuery = z.object({ ...pageQuery({ default: 100, max: 500 }) });
export const GraphSymbolQuery = z.object({
  q: oneLine(200).optional().meta({ description: 'A symbol name, matched as `match` says (case-sensitive); absent: every symbol' }),
  match: z.enum(['prefix', 'exact']).default('prefix').meta({ description: 'How `q` matches: `prefix` (default) or `exact`' }),
  kind: SymbolKind.optional().meta({ description: 'Only symbols of this kind' }),
  ...pageQuery({ default: 50, max: 500 }),
});
export const GraphCallQuery = z.object({ ...pageQuery({ default: 100, max: 500 }) });
export const GraphDependencyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200).meta({ description: 'Most imports listed each way, 1–1000' }),
});
export const GraphServiceMapQuery = z.object({
  repository: oneLine(300).optional().meta({ description: 'Only this repository (name or id)' }),
  perKind: z.coerce.number().int().min(1).max(1000).default(200).meta({ description: 'Most routes, clients and queues listed per repository, 1–1000' }),
  ...pageQuery({ default: 20, max: 100 }),
});
