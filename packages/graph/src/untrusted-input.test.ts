import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCodeOwners } from './codeowners.ts';
import { CodeOwnerRule, GraphSnapshot } from './graph-schema.ts';
import { indexRepository } from './index-repository.ts';
import { createFixtureRepository, type FixtureRepository } from './testing/fixture-repository.ts';

/**
 * Everything the indexer reads comes from a repository someone else wrote: file names, file
 * contents, CODEOWNERS. Whatever they hold, indexing finishes and its output passes the schema
 * the host will hold it to.
 */

let fixture: FixtureRepository;
beforeAll(() => {
  fixture = createFixtureRepository({});
});
afterAll(() => fixture.remove());

/** Empties the fixture and writes `files` into it. */
function reset(files: Record<string, string | Uint8Array>): void {
  rmSync(fixture.root, { recursive: true, force: true });
  mkdirSync(fixture.root);
  for (const [path, content] of Object.entries(files)) fixture.write(path, Buffer.from(content));
}

const index = () => indexRepository({ root: fixture.root, repository: 'attacker/repo', commit: 'worktree', limits: { parseTimeoutMs: 500 } });
const EXTENSIONS = ['.ts', '.tsx', '.js', '.py', '.go'];
/** Source-like noise: the tokens that drive parsers into their corners, plus anything at all. */
const sourceNoise = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      '{',
      '}',
      '(',
      ')',
      '[',
      ']',
      ';',
      ':',
      '=',
      '=>',
      ',',
      '.',
      "'",
      '"',
      '`',
      '${',
      '/',
      '\\',
      '\n',
      ' ',
      '#',
      '@',
      '*',
      'def ',
      'class ',
      'function ',
      'func ',
      'import ',
      'from ',
      'export ',
      'const ',
      'x',
      'app.get',
      '"/r"',
      'fetch',
      '"https://h/p"',
      '\u2028',
      '\0',
    ),
    maxLength: 400,
  }),
  fc.string({ unit: 'binary', maxLength: 400 }),
);

describe('the indexer on hostile input', () => {
  it('never fails on random bytes in a source file of any language', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...EXTENSIONS), async (bytes, extension) => {
        reset({ [`f${extension}`]: bytes });
        GraphSnapshot.parse(await index());
      }),
      { numRuns: 60 },
    );
  });

  it('never fails on source-like noise, and keeps every signature within bounds', async () => {
    await fc.assert(
      fc.asyncProperty(sourceNoise, fc.constantFrom(...EXTENSIONS), async (text, extension) => {
        reset({ [`src/noise${extension}`]: text });
        const snapshot = GraphSnapshot.parse(await index());
        for (const symbol of snapshot.symbols) expect(symbol.signature.length).toBeLessThanOrEqual(400);
      }),
      { numRuns: 80 },
    );
  });

  it('indexes only paths the schema can carry, whatever the file names', async () => {
    const name = fc
      .string({ unit: fc.constantFrom('a', 'é', ' ', '\n', '\r', '\\', '..', '.', '#', '\u0007', '\u{1F600}', '-'), minLength: 1, maxLength: 30 })
      .filter((n) => n !== '.' && n !== '..');
    await fc.assert(
      fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 5 }), fc.constantFrom(...EXTENSIONS), async (names, extension) => {
        rmSync(fixture.root, { recursive: true, force: true });
        mkdirSync(fixture.root);
        for (const [i, n] of names.entries()) writeFileSync(join(fixture.root, `${n}${i}${extension}`), 'export function f() { return 1; }\n');
        const snapshot = GraphSnapshot.parse(await index());
        for (const file of snapshot.files) expect(file.path).not.toMatch(/[\n\r\\]/);
      }),
      { numRuns: 60 },
    );
  });

  it('reads any CODEOWNERS into rules the schema accepts', async () => {
    const line = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: fc.constantFrom('*', '/', 'a', ' ', '\t', '#', '@', 'org', '/team', 'x@y.z', '\\', '\0', '\r'), maxLength: 60 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        for (const rule of parseCodeOwners(lines.join('\n'))) CodeOwnerRule.parse(rule);
      }),
      { numRuns: 300 },
    );
    reset({ '.github/CODEOWNERS': `* @a\n${'x'.repeat(5000)} @b\n\0 @c\n`, 'a.ts': '' });
    // A pattern too long for the schema, and one of a NUL alone, are dropped.
    expect((await index()).owners).toEqual([{ pattern: '*', owners: ['@a'], line: 1 }]);
  });
});
