import type { DiffFile, DiffHunk, DiffSide } from '../diff/diff-types.ts';
import type { NotReviewedFile } from '../diff/pack-diff.ts';
import type { ModelReview, ModelReviewComment } from './model-review.ts';

/** One inline comment in the shape `POST /repos/{owner}/{repo}/pulls/{n}/reviews` takes. */
export interface ReviewComment {
  path: string;
  line: number;
  side: DiffSide;
  start_line?: number;
  start_side?: DiffSide;
  body: string;
}

export interface PlacedReview {
  comments: ReviewComment[];
  body: string;
}

/** GitHub accepts more, but a review with dozens of threads is noise; the rest go in the body. */
export const MAX_INLINE_COMMENTS = 30;

const REASON_TEXT: Record<NotReviewedFile['reason'], string> = {
  budget: 'did not fit in the review budget',
  lock_file: 'lock file',
  vendored: 'vendored code',
  generated: 'generated code',
  minified: 'minified',
  no_patch: 'GitHub sent no patch',
  binary: 'binary',
  deletion_only: 'only deletions',
};

/**
 * Turns the model's review into what GitHub will accept: a comment stays inline only when its
 * line (and start line, for a range) falls in one hunk of that file on that side, because GitHub
 * answers 422 for the whole review otherwise. Comments that miss the diff, or pass the first 30,
 * are kept in the body; files not reviewed are listed under "Not reviewed" so a partial review
 * never reads as complete.
 */
export function placeComments(review: ModelReview, diffFiles: readonly DiffFile[], notReviewed: readonly NotReviewedFile[]): PlacedReview {
  const byPath = new Map(diffFiles.map((file) => [file.path, file]));
  const comments: ReviewComment[] = [];
  const folded: ModelReviewComment[] = [];
  for (const comment of review.comments) {
    const file = byPath.get(comment.path);
    if (comments.length < MAX_INLINE_COMMENTS && file && fitsOneHunk(file.hunks, comment)) {
      comments.push({
        path: comment.path,
        line: comment.line,
        side: comment.side,
        ...(comment.startLine === undefined ? {} : { start_line: comment.startLine, start_side: comment.side }),
        body: neutralizeMentions(comment.body),
      });
    } else {
      folded.push(comment);
    }
  }
  const sections = [neutralizeMentions(review.summary.trim())];
  if (folded.length > 0) {
    sections.push(
      ['### Other comments', ...folded.map((c) => `- \`${codeSpan(c.path)}\` ${lineLabel(c)}: ${neutralizeMentions(c.body.replace(/\s*\n\s*/g, ' '))}`)].join(
        '\n',
      ),
    );
  }
  if (notReviewed.length > 0) {
    sections.push(['### Not reviewed', ...notReviewed.map((f) => `- \`${codeSpan(f.path)}\` (${REASON_TEXT[f.reason]})`)].join('\n'));
  }
  return { comments, body: sections.join('\n\n') };
}

/**
 * The model's text may carry an injected `@someone` or `@org/team`: GitHub would notify them (and
 * a prompt injection could page a whole team). A zero-width joiner after the `@` keeps the text
 * readable and the mention inert. Emails (`a@b`) and code spans are left alone.
 */
export function neutralizeMentions(text: string): string {
  // Odd parts are code spans, where GitHub notifies no one: left as written.
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(^|[^\w])@(?=[A-Za-z0-9])/g, '$1@\u200d')))
    .join('');
}

/** Whether a line (or range) lies inside a single hunk on the given side. */
export function fitsOneHunk(hunks: readonly DiffHunk[], target: { line: number; side: DiffSide; startLine?: number }): boolean {
  const first = target.startLine ?? target.line;
  return hunks.some((hunk) => {
    const [start, count] = target.side === 'RIGHT' ? [hunk.newStart, hunk.newLines] : [hunk.oldStart, hunk.oldLines];
    return count > 0 && first >= start && target.line <= start + count - 1;
  });
}

function lineLabel(comment: ModelReviewComment): string {
  const side = comment.side === 'LEFT' ? ' (old)' : '';
  return comment.startLine === undefined ? `line ${comment.line}${side}` : `lines ${comment.startLine}–${comment.line}${side}`;
}

// A backtick in a path would end the code span early and let the rest render as markdown.
function codeSpan(path: string): string {
  return path.replaceAll('`', "'");
}
