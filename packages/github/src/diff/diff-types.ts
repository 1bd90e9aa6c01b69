/** Which version of the file a line or comment belongs to, in GitHub's words. */
export type DiffSide = 'LEFT' | 'RIGHT';

/** One line of a hunk. Context lines have both numbers and count as RIGHT, as GitHub does. */
export interface DiffLine {
  kind: 'context' | 'added' | 'deleted';
  side: DiffSide;
  /** Line number in the base version (deleted and context lines). */
  oldLine?: number;
  /** Line number in the head version (added and context lines). */
  newLine?: number;
  text: string;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** What follows the second `@@` (often the enclosing function), without the leading space. */
  section: string;
  lines: DiffLine[];
}

export interface DiffFile {
  path: string;
  /** The base path when the file was renamed or copied. */
  previousPath?: string;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  binary: boolean;
  /** True when GitHub listed the file without a patch (too large, or binary). */
  patchMissing: boolean;
  hunks: DiffHunk[];
}
