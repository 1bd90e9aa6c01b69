import type { DiffFile, DiffHunk } from './diff-types.ts';

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/**
 * Parses `git diff` output (what GitHub returns for `application/vnd.github.diff`) into files
 * and hunks. Hunk bodies are read by the counts in their `@@` header, never by what a line looks
 * like: a deleted line `-- x` would otherwise pass for a `--- a/x` file header.
 */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const lines = splitLines(text);
  const files: DiffFile[] = [];
  let current: DiffFile | undefined;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.startsWith('diff --git ')) {
      current = { path: pathFromGitHeader(line), status: 'modified', binary: false, patchMissing: false, hunks: [] };
      files.push(current);
      i++;
      continue;
    }
    if (!current) {
      i++;
      continue;
    }
    if (line.startsWith('@@')) {
      const { hunk, next } = readHunk(lines, i);
      if (hunk) current.hunks.push(hunk);
      i = next;
      continue;
    }
    readExtendedHeader(current, line);
    i++;
  }
  return files;
}

/** Parses the `patch` field of GitHub's pull request files list: hunks only, no file headers. */
export function parsePatchHunks(patch: string): DiffHunk[] {
  const lines = splitLines(patch);
  const hunks: DiffHunk[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!(lines[i] as string).startsWith('@@')) {
      i++;
      continue;
    }
    const { hunk, next } = readHunk(lines, i);
    if (hunk) hunks.push(hunk);
    i = next;
  }
  return hunks;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function readExtendedHeader(file: DiffFile, line: string): void {
  if (line.startsWith('new file mode')) file.status = 'added';
  else if (line.startsWith('deleted file mode')) file.status = 'deleted';
  else if (line.startsWith('rename from ')) {
    file.status = 'renamed';
    file.previousPath = line.slice('rename from '.length);
  } else if (line.startsWith('rename to ')) file.path = line.slice('rename to '.length);
  else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
  else if (line.startsWith('+++ ') && line !== '+++ /dev/null') file.path = stripPrefix(line.slice(4), 'b/');
  else if (line.startsWith('--- ') && line !== '--- /dev/null' && file.status !== 'renamed') {
    const from = stripPrefix(line.slice(4), 'a/');
    if (from !== file.path) file.previousPath = from;
  }
}

function readHunk(lines: string[], start: number): { hunk: DiffHunk | undefined; next: number } {
  const match = HUNK_HEADER.exec(lines[start] as string);
  if (!match) return { hunk: undefined, next: start + 1 };
  const hunk: DiffHunk = {
    oldStart: Number(match[1]),
    oldLines: match[2] === undefined ? 1 : Number(match[2]),
    newStart: Number(match[3]),
    newLines: match[4] === undefined ? 1 : Number(match[4]),
    section: match[5] ?? '',
    lines: [],
  };
  let oldLine = hunk.oldStart;
  let newLine = hunk.newStart;
  let oldLeft = hunk.oldLines;
  let newLeft = hunk.newLines;
  let i = start + 1;
  while (i < lines.length && (oldLeft > 0 || newLeft > 0)) {
    const line = lines[i] as string;
    const text = line.slice(1);
    if (line.startsWith('\\')) {
      // "\ No newline at end of file": about the line before, not a line of its own.
    } else if (line.startsWith('+') && newLeft > 0) {
      hunk.lines.push({ kind: 'added', side: 'RIGHT', newLine: newLine++, text });
      newLeft--;
    } else if (line.startsWith('-') && oldLeft > 0) {
      hunk.lines.push({ kind: 'deleted', side: 'LEFT', oldLine: oldLine++, text });
      oldLeft--;
    } else if ((line.startsWith(' ') || line === '') && oldLeft > 0 && newLeft > 0) {
      hunk.lines.push({ kind: 'context', side: 'RIGHT', oldLine: oldLine++, newLine: newLine++, text });
      oldLeft--;
      newLeft--;
    } else {
      // The header promised more lines than came: keep what we read, the counts that arrived rule.
      break;
    }
    i++;
  }
  if (i < lines.length && (lines[i] as string).startsWith('\\')) i++;
  hunk.oldLines -= oldLeft;
  hunk.newLines -= newLeft;
  return { hunk, next: i };
}

function pathFromGitHeader(line: string): string {
  // `diff --git a/<path> b/<path>`: when both halves are equal (no rename) the path is unambiguous
  // even with spaces in it; renames are corrected by `rename to` / `+++` later.
  const rest = line.slice('diff --git '.length);
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest.slice(2, half) === rest.slice(half + 3)) return rest.slice(2, half);
  const bIndex = rest.lastIndexOf(' b/');
  return bIndex >= 0 ? rest.slice(bIndex + 3) : rest;
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
