import type { DiffFile } from '../diff/diff-types.ts';
import { parseUnifiedDiff } from '../diff/parse-diff.ts';
import { renderDiffFile } from '../diff/render-diff.ts';
import { fitsOneHunk } from '../review/place-comments.ts';

/** A pull request as the fake holds it; every head ever pushed keeps its diff, as GitHub keeps commits. */
export interface FakePullRequestSetup {
  owner: string;
  repo: string;
  repoId: number;
  number: number;
  headSha: string;
  baseSha?: string;
  /** Unified diff text, as GitHub would answer `application/vnd.github.diff`. */
  diff: string;
  author: { login: string; id: number; type?: 'User' | 'Bot' };
  draft?: boolean;
  title?: string;
  /** Answer the diff media type with 406 too_large regardless of size. */
  diffTooLarge?: boolean;
  /** Files listed without a `patch`, as GitHub does for large or binary files. */
  omitPatchFor?: readonly string[];
}

export interface FakePullRequest extends FakePullRequestSetup {
  baseSha: string;
  diffs: Map<string, string>;
}

// GitHub's documented limits for the diff media type.
export const MAX_DIFF_FILES = 300;
export const MAX_DIFF_LINES = 20_000;

export function diffTooLarge(pr: FakePullRequest): boolean {
  if (pr.diffTooLarge) return true;
  const files = parseUnifiedDiff(pr.diff);
  const lines = files.reduce((sum, file) => sum + file.hunks.reduce((n, hunk) => n + hunk.lines.filter((l) => l.kind !== 'context').length, 0), 0);
  return files.length > MAX_DIFF_FILES || lines > MAX_DIFF_LINES;
}

const LISTED_STATUS: Record<DiffFile['status'], string> = { added: 'added', deleted: 'removed', modified: 'modified', renamed: 'renamed' };

/** The files list entries GitHub would return for the current head. */
export function listedFiles(pr: FakePullRequest): Record<string, unknown>[] {
  return parseUnifiedDiff(pr.diff).map((file) => {
    const additions = file.hunks.reduce((n, hunk) => n + hunk.lines.filter((l) => l.kind === 'added').length, 0);
    const deletions = file.hunks.reduce((n, hunk) => n + hunk.lines.filter((l) => l.kind === 'deleted').length, 0);
    const rendered = renderDiffFile(file);
    const patch = rendered.slice(rendered.indexOf('@@')).replace(/\n$/, '');
    const withPatch = !file.binary && file.hunks.length > 0 && !pr.omitPatchFor?.includes(file.path);
    return {
      sha: '0'.repeat(40),
      filename: file.path,
      status: LISTED_STATUS[file.status],
      additions,
      deletions,
      changes: additions + deletions,
      ...(file.previousPath ? { previous_filename: file.previousPath } : {}),
      ...(withPatch ? { patch } : {}),
    };
  });
}

interface PostedComment {
  path?: unknown;
  line?: unknown;
  side?: unknown;
  start_line?: unknown;
  start_side?: unknown;
  body?: unknown;
}

/** Why GitHub would refuse these review comments for that commit, or null when it would accept them. */
export function reviewCommentProblem(pr: FakePullRequest, commitId: string, comments: readonly PostedComment[]): string | null {
  const diff = pr.diffs.get(commitId);
  if (diff === undefined) return `No commit found for SHA: ${commitId}`;
  const files = new Map(parseUnifiedDiff(diff).map((file) => [file.path, file]));
  for (const comment of comments) {
    const file = typeof comment.path === 'string' ? files.get(comment.path) : undefined;
    if (!file) return 'Path could not be resolved';
    if (typeof comment.body !== 'string' || comment.body.length === 0) return "Body can't be blank";
    const side = comment.side ?? 'RIGHT';
    if (typeof comment.line !== 'number' || (side !== 'RIGHT' && side !== 'LEFT')) return 'Line could not be resolved';
    const startLine = comment.start_line;
    if (startLine !== undefined && (typeof startLine !== 'number' || startLine >= comment.line || (comment.start_side ?? side) !== side)) {
      return 'Start line must precede the end line';
    }
    if (!fitsOneHunk(file.hunks, { line: comment.line, side, ...(typeof startLine === 'number' ? { startLine } : {}) })) {
      return 'Pull request review thread line must be part of the diff and Pull request review thread diff hunk can\u2019t be blank';
    }
  }
  return null;
}
