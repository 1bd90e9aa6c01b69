import { indexRepository as indexWith, type IndexRepositoryOptions } from './index-repository.ts';

/** What the agent checks a previous graph against before reusing it (graph-index-tool.ts). */
export { GraphSnapshot } from './graph-schema.ts';

/**
 * The entry point of the sandbox agent's graph-indexer.cjs (built by @remit/sandbox's
 * agent-bundle.ts): the bundle's directory holds the .wasm files, so that is where they load from.
 */
export function indexRepository(options: IndexRepositoryOptions): ReturnType<typeof indexWith> {
  return indexWith({ ...options, wasmDir: __dirname });
}
