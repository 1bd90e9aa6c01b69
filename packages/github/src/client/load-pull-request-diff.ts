import type { DiffFile } from '../diff/diff-types.ts';
import { parsePatchHunks, parseUnifiedDiff } from '../diff/parse-diff.ts';
import type { GithubClient, PullRef, PullRequestFile } from './github-client.ts';

const STATUS: Record<string, DiffFile['status']> = { added: 'added', removed: 'deleted', renamed: 'renamed', copied: 'added' };

/**
 * A pull request's changes as parsed files: the whole diff when GitHub will send it, else
 * (over 300 files or 20,000 lines) the paginated files list, whose entries may lack a patch;
 * those come back with `patchMissing` so packDiff lists them as not reviewed.
 */
export async function loadPullRequestDiff(
  client: Pick<GithubClient, 'getPullRequestDiff' | 'listPullRequestFiles'>,
  ref: PullRef,
): Promise<{ source: 'diff' | 'files'; files: DiffFile[] }> {
  const diff = await client.getPullRequestDiff(ref);
  if (diff.kind === 'diff') return { source: 'diff', files: parseUnifiedDiff(diff.text) };
  const listed = await client.listPullRequestFiles(ref);
  return { source: 'files', files: listed.map(fromListedFile) };
}

function fromListedFile(file: PullRequestFile): DiffFile {
  return {
    path: file.filename,
    ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
    status: STATUS[file.status] ?? 'modified',
    binary: false,
    patchMissing: file.patch === undefined,
    hunks: file.patch === undefined ? [] : parsePatchHunks(file.patch),
  };
}
