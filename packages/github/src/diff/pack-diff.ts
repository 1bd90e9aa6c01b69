import { classifyFile, type FileClass } from './classify-file.ts';
import type { DiffFile } from './diff-types.ts';
import { renderDiffFile, utf8Bytes } from './render-diff.ts';

export type NotReviewedReason = 'budget' | FileClass | 'no_patch' | 'binary' | 'deletion_only';

export interface NotReviewedFile {
  path: string;
  reason: NotReviewedReason;
}

export interface PackedDiff {
  /** Files the model sees, in the pull request's order, without their deletion-only hunks. */
  included: DiffFile[];
  /** Every other input file, once, with why: a review that omits these must say so. */
  notReviewed: NotReviewedFile[];
  /** The included files rendered as one unified diff. */
  text: string;
  /** UTF-8 size of `text`; never above the budget. */
  bytes: number;
}

/**
 * Chooses what of a pull request the model reviews within `budgetBytes` (UTF-8 of the rendered
 * diff). Lock files, vendored, generated and minified files are skipped, never reviewed late:
 * they are machine-written and would crowd out the code a person wrote. Hunks that only delete
 * are dropped (there is nothing on the new side to comment on). Then the smallest files go in
 * first, which reviews the most files a budget allows; the one huge file left out is named
 * under "not reviewed" rather than silently truncated mid-hunk.
 */
export function packDiff(files: readonly DiffFile[], options: { budgetBytes: number }): PackedDiff {
  const notReviewed: NotReviewedFile[] = [];
  const candidates: { index: number; file: DiffFile; text: string; bytes: number }[] = [];
  files.forEach((file, index) => {
    const reason = skipReason(file);
    if (reason) {
      notReviewed.push({ path: file.path, reason });
      return;
    }
    const kept = { ...file, hunks: file.hunks.filter((hunk) => hunk.lines.some((line) => line.kind === 'added')) };
    if (kept.hunks.length === 0) {
      notReviewed.push({ path: file.path, reason: 'deletion_only' });
      return;
    }
    const text = renderDiffFile(kept);
    candidates.push({ index, file: kept, text, bytes: utf8Bytes(text) });
  });

  const chosen: typeof candidates = [];
  let bytes = 0;
  for (const candidate of [...candidates].sort((a, b) => a.bytes - b.bytes || a.index - b.index)) {
    if (bytes + candidate.bytes <= options.budgetBytes) {
      chosen.push(candidate);
      bytes += candidate.bytes;
    } else {
      notReviewed.push({ path: candidate.file.path, reason: 'budget' });
    }
  }
  chosen.sort((a, b) => a.index - b.index);
  return { included: chosen.map((c) => c.file), notReviewed, text: chosen.map((c) => c.text).join(''), bytes };
}

function skipReason(file: DiffFile): NotReviewedReason | null {
  if (file.binary) return 'binary';
  if (file.patchMissing) return 'no_patch';
  const fileClass = classifyFile(file);
  if (fileClass) return fileClass;
  // A pure rename or mode change: no hunks, so nothing was reviewed.
  if (file.hunks.length === 0) return file.status === 'deleted' ? 'deletion_only' : 'no_patch';
  return null;
}
