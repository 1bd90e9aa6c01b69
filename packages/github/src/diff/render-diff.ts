import type { DiffFile } from './diff-types.ts';

const PREFIX = { context: ' ', added: '+', deleted: '-' } as const;

/** A file as unified-diff text, as the model is shown it; its UTF-8 size is what a budget counts. */
export function renderDiffFile(file: DiffFile): string {
  const from = file.status === 'added' ? '/dev/null' : `a/${file.previousPath ?? file.path}`;
  const to = file.status === 'deleted' ? '/dev/null' : `b/${file.path}`;
  let text = `diff --git a/${file.previousPath ?? file.path} b/${file.path}\n--- ${from}\n+++ ${to}\n`;
  for (const hunk of file.hunks) {
    text += `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@${hunk.section ? ` ${hunk.section}` : ''}\n`;
    for (const line of hunk.lines) text += `${PREFIX[line.kind]}${line.text}\n`;
  }
  return text;
}

/** Bytes, not characters: the model's context and GitHub's limits are both counted in bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
