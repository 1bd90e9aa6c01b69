import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { CODEOWNERS_PATHS, parseCodeOwners } from './codeowners.ts';
import { extractFile, type FileRecord } from './extract-file.ts';
import { loadLanguages } from './grammars.ts';
import { GRAPH_LIMITS, type CodeOwnerRule, type GraphEdge, type GraphFile, type GraphSnapshot, type GraphSymbol, type ServiceFact } from './graph-schema.ts';
import { languageSpec } from './languages/index.ts';
import { linkEdges, type RepositoryIndex } from './link-edges.ts';
import { looksBinary, readSourceFile, walkRepository } from './walk-repository.ts';

export interface IndexLimits {
  /** Larger files are skipped (default 1 MB): generated bundles, minified code, fixtures. */
  maxFileBytes: number;
  /** Files beyond this many are left out (default the schema's 50,000). */
  maxFiles: number;
  /** A file whose parse takes longer is kept as a module with no symbols (default 2 s). */
  parseTimeoutMs: number;
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = { maxFileBytes: 1_000_000, maxFiles: GRAPH_LIMITS.files, parseTimeoutMs: 2000 };

export interface IndexRepositoryOptions {
  /** The directory to index. */
  root: string;
  repository: string;
  commit: string;
  /** The graph of an earlier commit: files with the same sha256 keep their records unparsed. */
  previous?: GraphSnapshot;
  limits?: Partial<IndexLimits>;
  /** Where the .wasm files are (by file name); default: the installed npm packages. */
  wasmDir?: string;
  /** Stops the walk between files (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Told, once the snapshot is built, how many files were parsed: what proves a re-index incremental. */
  onParsed?: (parsedFiles: number) => void;
}

/** How often the walk yields to the event loop, so a sandbox agent keeps answering its channel. */
const YIELD_EVERY_FILES = 64;

/**
 * Indexes the source files under `root` into a GraphSnapshot: files, symbols, edges, service
 * facts and CODEOWNERS rules; never a body or a file's text (signatures stop at the body and are
 * capped at 400 characters).
 *
 * Incremental: with `previous`, a file whose sha256 is unchanged keeps its previous symbols,
 * facts and edges without being parsed. A file's edges depend on its own text and on the symbols
 * of the modules it imports (link-edges.ts), so an unchanged file is parsed again when a module
 * it imported changed or vanished, or when one of its unresolved relative imports now names a
 * file: then its calls into that module resolve against the module's new symbols.
 */
export async function indexRepository(options: IndexRepositoryOptions): Promise<GraphSnapshot> {
  const limits = { ...DEFAULT_INDEX_LIMITS, ...options.limits };
  const root = realpathSync(options.root);
  options.signal?.throwIfAborted();
  const languages = await loadLanguages(options.wasmDir);
  const walked = walkRepository(root, limits.maxFiles);

  const files: GraphFile[] = [];
  const contents = new Map<string, Buffer>();
  const pause = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
  };
  for (let index = 0; index < walked.length; index++) {
    if (index % YIELD_EVERY_FILES === YIELD_EVERY_FILES - 1) await pause();
    const { path, spec } = walked[index]!;
    const read = readSourceFile(root, path, limits.maxFileBytes);
    if (!('bytes' in read) || looksBinary(read.bytes)) continue;
    files.push({ path, language: spec.language, size: read.bytes.length, sha256: createHash('sha256').update(read.bytes).digest('hex') });
    contents.set(path, read.bytes);
  }

  const reusable = reusableFiles(files, options.previous);
  const records = new Map<string, FileRecord>();
  const parse = async (file: GraphFile, count: number) => {
    if (count % YIELD_EVERY_FILES === YIELD_EVERY_FILES - 1) await pause();
    const source = contents.get(file.path)!.toString('utf8');
    records.set(file.path, extractFile(languages.get(file.language)!, file.path, source, performance.now() + limits.parseTimeoutMs));
  };
  let parsed = 0;
  for (const file of files) if (!reusable.has(file.path)) await parse(file, parsed++);

  const symbolsOf = (path: string): GraphSymbol[] => records.get(path)?.symbols ?? reusable.get(path)!.symbols;
  const repository: RepositoryIndex = {
    files: new Set(files.map((file) => file.path)),
    qualifiedNames: new Map(files.map((file) => [file.path, new Set(symbolsOf(file.path).map((symbol) => symbol.qualifiedName))])),
  };
  // Unchanged files whose imports now mean something else are read again (see above).
  const changed = new Set(files.filter((file) => records.has(file.path)).map((file) => file.path));
  for (const path of options.previous ? previousPaths(options.previous) : []) if (!repository.files.has(path)) changed.add(path);
  for (const file of files) {
    const previous = reusable.get(file.path);
    if (previous !== undefined && needsRelink(file, previous.edges, changed, repository)) {
      reusable.delete(file.path);
      await parse(file, parsed++);
    }
  }

  const snapshot: GraphSnapshot = {
    repository: options.repository,
    commit: options.commit,
    files,
    symbols: [],
    edges: [],
    facts: [],
    owners: readCodeOwners(root),
  };
  for (const file of files) {
    const record = records.get(file.path);
    const previous = reusable.get(file.path);
    const symbols = record?.symbols ?? previous!.symbols;
    const edges = record ? linkEdges(languageSpec(file.language), file.path, record, repository) : previous!.edges;
    const facts = record?.facts ?? previous!.facts;
    append(snapshot.symbols, symbols, GRAPH_LIMITS.symbols);
    append(snapshot.edges, edges, GRAPH_LIMITS.edges);
    append(snapshot.facts, facts, GRAPH_LIMITS.facts);
  }
  options.onParsed?.(parsed);
  return snapshot;
}

interface PreviousRecords {
  symbols: GraphSymbol[];
  edges: GraphEdge[];
  facts: ServiceFact[];
}

/** The previous records of every file whose bytes (and language) are unchanged. */
function reusableFiles(files: GraphFile[], previous: GraphSnapshot | undefined): Map<string, PreviousRecords> {
  const reusable = new Map<string, PreviousRecords>();
  if (previous === undefined) return reusable;
  const current = new Map(files.map((file) => [file.path, file]));
  for (const file of previous.files) {
    const now = current.get(file.path);
    if (now?.sha256 === file.sha256 && now.language === file.language) reusable.set(file.path, { symbols: [], edges: [], facts: [] });
  }
  for (const symbol of previous.symbols) reusable.get(symbol.path)?.symbols.push(symbol);
  for (const edge of previous.edges) reusable.get(edge.path)?.edges.push(edge);
  for (const fact of previous.facts) reusable.get(fact.path)?.facts.push(fact);
  return reusable;
}

function previousPaths(previous: GraphSnapshot): string[] {
  return previous.files.map((file) => file.path);
}

function needsRelink(file: GraphFile, edges: GraphEdge[], changed: ReadonlySet<string>, repository: RepositoryIndex): boolean {
  const { adapter } = languageSpec(file.language);
  for (const edge of edges) {
    if (edge.kind !== 'imports') continue;
    if (edge.resolved ? changed.has(edge.to.slice(0, -1)) : adapter.resolveModule(file.path, edge.to, repository.files) !== undefined) return true;
  }
  return false;
}

function readCodeOwners(root: string): CodeOwnerRule[] {
  for (const path of CODEOWNERS_PATHS) {
    const read = readSourceFile(root, path, 1_000_000);
    if ('bytes' in read) return parseCodeOwners(read.bytes.toString('utf8'));
  }
  return [];
}

function append<T>(into: T[], items: readonly T[], max: number): void {
  for (const item of items) {
    if (into.length >= max) return;
    into.push(item);
  }
}
