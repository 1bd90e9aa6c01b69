import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyFile } from './classify-file.ts';
import type { DiffFile, DiffHunk } from './diff-types.ts';
import { packDiff } from './pack-diff.ts';
import { utf8Bytes } from './render-diff.ts';

function file(path: string, added: string[], extra: Partial<DiffFile> = {}): DiffFile {
  const hunk: DiffHunk = {
    oldStart: 1,
    oldLines: 0,
    newStart: 1,
    newLines: added.length,
    section: '',
    lines: added.map((text, i) => ({ kind: 'added', side: 'RIGHT', newLine: i + 1, text })),
  };
  return { path, status: 'modified', binary: false, patchMissing: false, hunks: added.length ? [hunk] : [], ...extra };
}

const deletionOnly: DiffHunk = {
  oldStart: 5,
  oldLines: 1,
  newStart: 4,
  newLines: 0,
  section: '',
  lines: [{ kind: 'deleted', side: 'LEFT', oldLine: 5, text: 'x' }],
};

describe('classifyFile', () => {
  it.each([
    ['package-lock.json', 'lock_file'],
    ['web/pnpm-lock.yaml', 'lock_file'],
    ['Cargo.lock', 'lock_file'],
    ['go.sum', 'lock_file'],
    ['vendor/github.com/x/y.go', 'vendored'],
    ['a/node_modules/z/index.js', 'vendored'],
    ['third_party/lib.c', 'vendored'],
    ['api/v1/service.pb.go', 'generated'],
    ['src/schema_generated.ts', 'generated'],
    ['public/app.min.js', 'generated'],
    ['dist/index.js', 'generated'],
    ['src/app.ts', null],
    ['src/vendors.ts', null],
    ['docs/lockfile.md', null],
  ])('%s → %s', (path, expected) => {
    expect(classifyFile(file(path, ['x']))).toBe(expected);
  });

  it('calls a file with a very long added line minified', () => {
    expect(classifyFile(file('public/bundle.js', ['x'.repeat(5000)]))).toBe('minified');
  });
});

describe('packDiff', () => {
  it('skips machine-written files, binaries, missing patches and deletion-only hunks, and says why', () => {
    const files = [
      file('src/a.ts', ['const a = 1;']),
      file('pnpm-lock.yaml', ['lock']),
      file('img.png', [], { binary: true }),
      file('big.ts', [], { patchMissing: true }),
      { ...file('gone.ts', []), status: 'deleted' as const, hunks: [deletionOnly] },
      { ...file('src/b.ts', ['b']), hunks: [deletionOnly, ...file('src/b.ts', ['b']).hunks] },
      file('renamed.ts', [], { status: 'renamed', previousPath: 'old.ts' }),
    ];
    const packed = packDiff(files, { budgetBytes: 10_000 });
    expect(packed.included.map((f) => f.path)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(packed.included[1]?.hunks).toHaveLength(1);
    expect(packed.notReviewed).toEqual([
      { path: 'pnpm-lock.yaml', reason: 'lock_file' },
      { path: 'img.png', reason: 'binary' },
      { path: 'big.ts', reason: 'no_patch' },
      { path: 'gone.ts', reason: 'deletion_only' },
      { path: 'renamed.ts', reason: 'no_patch' },
    ]);
  });

  it('counts bytes, not characters: a multi-byte file that fits by characters does not fit by bytes', () => {
    const emoji = file('src/emoji.ts', ['😀'.repeat(100)]);
    const chars = packDiff([emoji], { budgetBytes: 1_000_000 }).text.length;
    const packed = packDiff([emoji], { budgetBytes: chars + 10 });
    expect(packed.included).toEqual([]);
    expect(packed.notReviewed).toEqual([{ path: 'src/emoji.ts', reason: 'budget' }]);
  });

  it('fits the smallest files first and keeps the pull request order', () => {
    const files = [file('huge.ts', ['x'.repeat(900)]), file('b.ts', ['b']), file('a.ts', ['a'])];
    const packed = packDiff(files, { budgetBytes: 300 });
    expect(packed.included.map((f) => f.path)).toEqual(['b.ts', 'a.ts']);
    expect(packed.notReviewed).toEqual([{ path: 'huge.ts', reason: 'budget' }]);
  });

  const arbitraryFile = fc.record({
    path: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('yarn.lock', 'vendor/x.go', 'dist/a.js')),
    added: fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 8 }),
    deleteOnly: fc.boolean(),
    binary: fc.boolean(),
    patchMissing: fc.boolean(),
  });

  it('never exceeds the budget and accounts for every file exactly once (property)', () => {
    fc.assert(
      fc.property(fc.array(arbitraryFile, { maxLength: 12 }), fc.nat({ max: 3000 }), (specs, budgetBytes) => {
        const files = specs.map((s, i) => {
          const f = file(`${i}/${s.path}`, s.added, { binary: s.binary && s.added.length === 0, patchMissing: s.patchMissing && s.added.length === 0 });
          return s.deleteOnly ? { ...f, hunks: [deletionOnly, ...f.hunks] } : f;
        });
        const packed = packDiff(files, { budgetBytes });
        expect(packed.bytes).toBe(utf8Bytes(packed.text));
        expect(packed.bytes).toBeLessThanOrEqual(budgetBytes);
        const seen = [...packed.included.map((f) => f.path), ...packed.notReviewed.map((f) => f.path)].sort();
        expect(seen).toEqual(files.map((f) => f.path).sort());
        for (const f of packed.included) for (const hunk of f.hunks) expect(hunk.lines.some((l) => l.kind === 'added')).toBe(true);
      }),
    );
  });
});
