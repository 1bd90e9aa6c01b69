import { CodedError, type CodedErrorOptions } from '@remit/core';

/** Every way indexing a repository in a sandbox can fail, as a stable snake_case code. */
export type GraphIndexErrorCode = 'index_failed' | 'index_timeout' | 'snapshot_too_large' | 'snapshot_invalid';

const defaultMessages: Record<GraphIndexErrorCode, string> = {
  index_failed: 'The sandbox could not index the repository.',
  index_timeout: 'Indexing the repository did not finish in time.',
  snapshot_too_large: 'The repository graph is larger than one channel message may be.',
  snapshot_invalid: 'The sandbox sent a repository graph that does not match its schema.',
};

/** Indexing in a sandbox failed; the message is ours (the sandbox's own words go in `details`, capped). */
export class GraphIndexError extends CodedError<GraphIndexErrorCode> {
  constructor(code: GraphIndexErrorCode, message?: string, options?: CodedErrorOptions) {
    super('GraphIndexError', code, message ?? defaultMessages[code], options);
  }
}
