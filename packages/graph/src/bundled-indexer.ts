import { indexRepository as indexWith, type IndexRepositoryOptions } from './index-repository.ts';

/**
 * The entry point of the sandbox agent's graph-indexer.cjs (built by @remit/sandbox's
 * agent-bundle.ts): the bundle's directory holds the .wasm files, so that is where they load from.
 */
export function indexRepository(options: IndexRepositoryOptions): ReturnType<typeof indexWith> {
  return indexWith({ ...options, wasmDir: __dirname });
}
