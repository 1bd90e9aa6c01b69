import { z } from 'zod';

/**
 * The knowledge graph's wire format: what an indexing run sends out of its sandbox over the
 * channel, what the database stores and what `graph_query` answers from. It holds identifiers,
 * signatures and locations, never a function body or a file's contents, so every string a
 * sandbox can put here is bounded and single-line. This schema is the contract between the
 * indexer (inside the sandbox) and the store (outside): anything that fails it is refused whole.
 */

const singleLine = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\r\n\0]*$/, 'must be one line');

/** A path inside the repository: relative, forward slashes, no `..` segment. */
export const RepoPath = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\0\r\n\\]+$/, 'expected a relative path inside the repository');
export type RepoPath = z.infer<typeof RepoPath>;

export const GraphLanguage = z.enum(['typescript', 'tsx', 'javascript', 'python', 'go']);
export type GraphLanguage = z.infer<typeof GraphLanguage>;

export const GraphFile = z
  .object({
    path: RepoPath,
    language: GraphLanguage,
    size: z.int().nonnegative(),
    /** sha256 of the file's bytes, hex: what incremental re-indexing compares. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type GraphFile = z.infer<typeof GraphFile>;

export const SymbolKind = z.enum(['module', 'class', 'interface', 'function', 'method', 'type', 'enum', 'constant']);
export type SymbolKind = z.infer<typeof SymbolKind>;

export const GraphSymbol = z
  .object({
    /** `<path>#<qualified name>`, e.g. `src/pay.ts#Ledger.charge`; a module is `<path>#`. */
    id: singleLine(1400),
    path: RepoPath,
    name: singleLine(200),
    /** Dotted container path, e.g. `Ledger.charge` for a method. */
    qualifiedName: singleLine(400),
    kind: SymbolKind,
    /** The declaration's head up to (not including) its body, whitespace collapsed, at most 400 characters. */
    signature: singleLine(400),
    exported: z.boolean(),
    line: z.int().positive(),
    endLine: z.int().positive(),
    /** The first line of its doc comment or docstring, if any. */
    doc: singleLine(240).optional(),
  })
  .strict();
export type GraphSymbol = z.infer<typeof GraphSymbol>;

export const EdgeKind = z.enum(['imports', 'calls', 'extends', 'implements']);
export type EdgeKind = z.infer<typeof EdgeKind>;

export const GraphEdge = z
  .object({
    kind: EdgeKind,
    /** The file the edge was read from (incremental re-indexing replaces a file's edges). */
    path: RepoPath,
    /** A symbol id (or `<path>#` for a module). */
    from: singleLine(1400),
    /** A symbol id when resolved inside the repository; otherwise the name as written (`axios`, `fmt.Println`). */
    to: singleLine(1400),
    resolved: z.boolean(),
    line: z.int().positive(),
  })
  .strict();
export type GraphEdge = z.infer<typeof GraphEdge>;

export const FactKind = z.enum(['http_route', 'http_client', 'queue']);
export type FactKind = z.infer<typeof FactKind>;

/** A service-level fact read off the code: a route it serves, a host it calls, a queue or topic it names. */
export const ServiceFact = z
  .object({
    kind: FactKind,
    path: RepoPath,
    line: z.int().positive(),
    /** For routes and clients: GET, POST, … when known. */
    method: singleLine(16).optional(),
    /** The route path, the called URL or host, or the queue/topic name. */
    target: singleLine(400),
    /** The enclosing symbol's id, when there is one. */
    symbol: singleLine(1400).optional(),
  })
  .strict();
export type ServiceFact = z.infer<typeof ServiceFact>;

/** One CODEOWNERS rule. */
export const CodeOwnerRule = z
  .object({
    pattern: singleLine(1024),
    owners: z.array(singleLine(200)).max(50),
    line: z.int().positive(),
  })
  .strict();
export type CodeOwnerRule = z.infer<typeof CodeOwnerRule>;

export const GRAPH_LIMITS = { files: 50_000, symbols: 500_000, edges: 2_000_000, facts: 100_000, owners: 5_000 } as const;

/** A repository's graph at one commit. */
export const GraphSnapshot = z
  .object({
    /** What the repository is called, e.g. `acme/payments` (GitHub) or `local/payments` (a local path). */
    repository: singleLine(300).min(1),
    /** The commit indexed (a git SHA), or `worktree` for an uncommitted local directory. */
    commit: singleLine(64).min(1),
    files: z.array(GraphFile).max(GRAPH_LIMITS.files),
    symbols: z.array(GraphSymbol).max(GRAPH_LIMITS.symbols),
    edges: z.array(GraphEdge).max(GRAPH_LIMITS.edges),
    facts: z.array(ServiceFact).max(GRAPH_LIMITS.facts),
    owners: z.array(CodeOwnerRule).max(GRAPH_LIMITS.owners),
  })
  .strict();
export type GraphSnapshot = z.infer<typeof GraphSnapshot>;
