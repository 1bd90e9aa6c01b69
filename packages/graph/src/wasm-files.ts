import { createRequire } from 'node:module';
import { LANGUAGES } from './languages/index.ts';

/**
 * The .wasm files the indexer loads, as `<npm package>/<file>`: the tree-sitter runtime's and
 * each grammar's. Their file names are distinct, so a bundle keeps them side by side in one
 * directory. This module loads no WASM: the agent bundler imports it to know what to copy.
 */
export const WASM_FILES: readonly string[] = ['web-tree-sitter/tree-sitter.wasm', ...new Set(LANGUAGES.map((spec) => spec.grammar))];

/** Where each .wasm file is installed on this host. */
export function installedWasmFiles(): string[] {
  const require = createRequire(import.meta.url);
  return WASM_FILES.map((file) => require.resolve(file));
}
