import { describe, expect, it } from 'vitest';
import { parsePatchHunks, parseUnifiedDiff } from './parse-diff.ts';
import { renderDiffFile } from './render-diff.ts';

// Shaped as `git diff` / GitHub's `application/vnd.github.diff` prints it.
const DIFF = `diff --git a/src/app.ts b/src/app.ts
index 83db48f..bf269f4 100644
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,3 +1,4 @@ export function main() {
 const a = 1;
--- not a header, a deleted line that starts with two dashes
+const b = 2;
+const c = 3;
 const d = 4;
@@ -10,2 +11,2 @@
-old
+new
 end
\\ No newline at end of file
diff --git a/docs/read me.md b/docs/read me.md
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/docs/read me.md
@@ -0,0 +1 @@
+héllo
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 1111111..0000000
--- a/gone.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-one
-two
diff --git a/old/name.ts b/new/name.ts
similarity index 90%
rename from old/name.ts
rename to new/name.ts
index 1111111..2222222 100644
--- a/old/name.ts
+++ b/new/name.ts
@@ -3 +3 @@
-x
+y
diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
Binary files a/logo.png and b/logo.png differ
`;

describe('parseUnifiedDiff', () => {
  const files = parseUnifiedDiff(DIFF);

  it('finds every file with its status and paths', () => {
    expect(files.map((f) => [f.path, f.status, f.previousPath, f.binary])).toEqual([
      ['src/app.ts', 'modified', undefined, false],
      ['docs/read me.md', 'added', undefined, false],
      ['gone.txt', 'deleted', undefined, false],
      ['new/name.ts', 'renamed', 'old/name.ts', false],
      ['logo.png', 'modified', undefined, true],
    ]);
  });

  it('numbers each line on its side, reading hunks by their counts', () => {
    const [first, second] = files[0]?.hunks ?? [];
    expect(first).toMatchObject({ oldStart: 1, oldLines: 3, newStart: 1, newLines: 4, section: 'export function main() {' });
    expect(first?.lines).toEqual([
      { kind: 'context', side: 'RIGHT', oldLine: 1, newLine: 1, text: 'const a = 1;' },
      { kind: 'deleted', side: 'LEFT', oldLine: 2, text: '-- not a header, a deleted line that starts with two dashes' },
      { kind: 'added', side: 'RIGHT', newLine: 2, text: 'const b = 2;' },
      { kind: 'added', side: 'RIGHT', newLine: 3, text: 'const c = 3;' },
      { kind: 'context', side: 'RIGHT', oldLine: 3, newLine: 4, text: 'const d = 4;' },
    ]);
    expect(second?.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ['deleted', 10, undefined],
      ['added', undefined, 11],
      ['context', 11, 12],
    ]);
    expect(files[1]?.hunks[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 1 });
    expect(files[3]?.hunks[0]).toMatchObject({ oldStart: 3, oldLines: 1, newStart: 3, newLines: 1 });
  });

  it('reads a files-list patch (hunks only) the same way', () => {
    expect(parsePatchHunks('@@ -1,2 +1,2 @@\n-a\n+b\n c')).toEqual([
      {
        oldStart: 1,
        oldLines: 2,
        newStart: 1,
        newLines: 2,
        section: '',
        lines: [
          { kind: 'deleted', side: 'LEFT', oldLine: 1, text: 'a' },
          { kind: 'added', side: 'RIGHT', newLine: 1, text: 'b' },
          { kind: 'context', side: 'RIGHT', oldLine: 2, newLine: 2, text: 'c' },
        ],
      },
    ]);
  });

  it('survives a hunk cut short and garbage around it', () => {
    const cut = parseUnifiedDiff('junk\ndiff --git a/x b/x\n@@ -1,5 +1,5 @@\n a\n@@ nonsense\n');
    expect(cut[0]?.hunks[0]).toMatchObject({ oldLines: 1, newLines: 1 });
    expect(parseUnifiedDiff('')).toEqual([]);
  });

  it('renders a parsed file back to a diff that parses to the same hunks', () => {
    for (const file of files) expect(parseUnifiedDiff(renderDiffFile(file))[0]?.hunks).toEqual(file.hunks);
  });
});
