import type { NotReviewedFile } from '@remit/github';

/** The shape the model must answer in, as it is told; modelReviewSchema (zod) is what checks it. */
const OUTPUT_FORMAT = `Answer with one JSON object and nothing else:
{"summary": "what the change does and what matters most, in Markdown",
 "comments": [{"path": "file as in the diff", "line": 12, "side": "RIGHT", "startLine": 10, "body": "the finding and the fix"}]}
"line" (and optional "startLine" for a range) are line numbers in the new file for side RIGHT, in the old file for LEFT, and must lie in one hunk of the diff. Comment only on real problems (bugs, security, data loss, missing tests); "comments" may be empty.`;

/** What the model is asked: the pull request, the packed diff, what it does not see, and the answer's shape. */
export function reviewInput(
  pr: { repository: string; number: number; title: string; headSha: string },
  diff: string,
  notReviewed: readonly NotReviewedFile[],
): string {
  const skipped = notReviewed.length
    ? `\nNot included (you cannot review these; do not comment on them): ${notReviewed.map((f) => `${f.path} (${f.reason})`).join(', ')}\n`
    : '';
  return `Review pull request ${pr.repository}#${pr.number} "${pr.title}" at commit ${pr.headSha}.
Its head commit is checked out in your sandbox under repo/: read files there (read_file, exec with grep) when the diff alone is not enough.
${skipped}
${OUTPUT_FORMAT}

The diff:
${diff}`;
}

/** The one repair turn: the previous answer, what was wrong with it, and the shape again. */
export function repairInput(previous: string, problem: string): string {
  return `Your review could not be used: ${problem}
Your answer was:
${previous.slice(0, 20_000)}

${OUTPUT_FORMAT}`;
}
