import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import { loadLanguages } from './grammars.ts';
import { GraphSnapshot } from './graph-schema.ts';
import { indexRepository } from './index-repository.ts';
import { PYTHON_GO_FIXTURES } from './testing/python-go-fixtures.ts';
import { copyThirdPartyCorpus, type Corpus } from './testing/third-party-corpus.ts';
import { walkRepository } from './walk-repository.ts';

/**
 * The graph's promise: identifiers and signatures, never source. Index real third-party code (a
 * fixed sample of the corpus, plus Python and Go written here), take function bodies from it at
 * random, and show that no string stored anywhere in the snapshot holds one, nor any source line
 * longer than a signature may be.
 */

/** The node types whose `body` is a function's body, per grammar. */
const FUNCTION_TYPES = new Set([
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'generator_function',
  'function',
  'arrow_function',
  'method_definition',
  'function_definition',
  'method_declaration',
  'func_literal',
]);
/** Long enough that finding one inside a stored string would mean a body got in. */
const PROBE_CHARS = 60;
const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

let corpus: Corpus;
let snapshot: GraphSnapshot;
let stored: string[];
const bodies: string[] = [];
const longLines: string[] = [];

beforeAll(async () => {
  corpus = copyThirdPartyCorpus(6);
  for (const [path, content] of Object.entries(PYTHON_GO_FIXTURES)) {
    mkdirSync(dirname(join(corpus.root, path)), { recursive: true });
    writeFileSync(join(corpus.root, path), content);
  }
  snapshot = GraphSnapshot.parse(await indexRepository({ root: corpus.root, repository: 'corpus/sample', commit: 'worktree' }));
  stored = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') stored.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(snapshot);

  const languages = await loadLanguages();
  for (const file of walkRepository(corpus.root, Number.MAX_SAFE_INTEGER)) {
    const source = readFileSync(join(corpus.root, file.path), 'utf8');
    for (const line of source.split('\n')) if (line.trim().length > 400) longLines.push(line.trim());
    const tree = languages.get(file.spec.language)!.parser.parse(source)!;
    const visit = (node: Node) => {
      if (FUNCTION_TYPES.has(node.type)) {
        const body = node.childForFieldName('body');
        if (body && file.spec.bodyTypes.has(body.type) && collapse(body.text).length >= PROBE_CHARS) bodies.push(body.text);
      }
      for (const child of node.namedChildren) if (child) visit(child);
    };
    visit(tree.rootNode);
    tree.delete();
  }
}, 120_000);

afterAll(() => corpus?.remove());

describe('the graph never holds a body or a long source line', () => {
  it('indexes a sample big enough to mean something', () => {
    expect(snapshot.files.length).toBeGreaterThan(250);
    expect(new Set(snapshot.files.map((f) => f.language))).toEqual(new Set(['typescript', 'javascript', 'python', 'go']));
    expect(bodies.length).toBeGreaterThan(1000);
    expect(longLines.length).toBeGreaterThan(0);
  });

  it('stores no function body, verbatim or with its whitespace collapsed', () => {
    // Only strings long enough to hold a probe can hold a body.
    const candidates = stored.filter((s) => s.length >= PROBE_CHARS).join('\u0001');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bodies.length - 1 }), (index) => {
        const body = bodies[index]!;
        const probes = [body.slice(0, PROBE_CHARS), collapse(body).slice(0, PROBE_CHARS)];
        return probes.every((probe) => !candidates.includes(probe));
      }),
      { numRuns: 400 },
    );
  });

  it('stores no source line longer than a signature may be', () => {
    const long = stored.filter((s) => s.length > 400);
    for (const line of longLines) expect(long.some((s) => s.includes(line))).toBe(false);
  });

  it('caps every signature at 400 characters on one line', () => {
    for (const symbol of snapshot.symbols) {
      expect(symbol.signature.length).toBeLessThanOrEqual(400);
      expect(symbol.signature).not.toMatch(/[\r\n]/);
    }
  });
});
