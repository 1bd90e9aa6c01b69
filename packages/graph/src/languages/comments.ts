import type { Node } from 'web-tree-sitter';

/**
 * The first line of the comment block right above `node` (no blank line between): `/** … *\/`,
 * `/* … *\/` or a run of `//` lines. Decorative lines (`*`, `---`) are skipped.
 */
export function precedingCommentLine(node: Node): string | undefined {
  let comment = node.previousSibling;
  if (comment?.type !== 'comment' || comment.endPosition.row < node.startPosition.row - 1) return undefined;
  // A run of line comments: its first line is the summary.
  while (comment.text.startsWith('//')) {
    const before: Node | null = comment.previousSibling;
    if (before?.type !== 'comment' || !before.text.startsWith('//') || before.endPosition.row < comment.startPosition.row - 1) break;
    comment = before;
  }
  return firstTextLine(comment.text);
}

/** The first line of a comment's text that says something, without comment markers. */
export function firstTextLine(text: string): string | undefined {
  for (const raw of text.split('\n', 20)) {
    const line = raw
      .replace(/^\s*(?:\/\*+|\*+\/?|\/\/+|#+)/, '')
      .replace(/\*+\/\s*$/, '')
      .trim();
    if (/[\p{L}\p{N}]/u.test(line)) return line;
  }
  return undefined;
}
