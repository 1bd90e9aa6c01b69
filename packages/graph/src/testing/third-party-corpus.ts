import { cpSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkRepository } from '../walk-repository.ts';

/**
 * Real third-party TypeScript and JavaScript for the indexer's tests and benchmark: a fixed set
 * of package trees from the workspace's own node_modules (pnpm's store), copied to a temp dir so
 * a test may change files. ~1,800 files: zod's and ajv's TypeScript sources, eslint's lib, and
 * hono's and graphql's published JavaScript and declarations.
 */
const PACKAGE_TREES = [
  { store: 'zod@', tree: 'node_modules/zod/src', as: 'zod' },
  { store: 'ajv@8', tree: 'node_modules/ajv/lib', as: 'ajv' },
  { store: 'eslint@', tree: 'node_modules/eslint/lib', as: 'eslint' },
  { store: 'hono@', tree: 'node_modules/hono/dist', as: 'hono' },
  { store: 'graphql@', tree: 'node_modules/graphql', as: 'graphql' },
] as const;

const STORE = fileURLToPath(new URL('../../../../node_modules/.pnpm/', import.meta.url));

export interface Corpus {
  root: string;
  remove(): void;
}

/**
 * Copies the corpus into a fresh temp dir (a missing package is skipped: the tests check the
 * count). With `keepEvery`, only every n-th source file in path order stays: a fixed sample.
 */
export function copyThirdPartyCorpus(keepEvery = 1): Corpus {
  const root = mkdtempSync(join(tmpdir(), 'remit-graph-corpus-'));
  const store = readdirSync(STORE).sort();
  for (const { store: prefix, tree, as } of PACKAGE_TREES) {
    const entry = store.find((name) => name.startsWith(prefix));
    if (entry !== undefined) cpSync(join(STORE, entry, tree), join(root, as), { recursive: true, dereference: false });
  }
  if (keepEvery > 1) walkRepository(root, Number.MAX_SAFE_INTEGER).forEach((file, index) => index % keepEvery !== 0 && unlinkSync(join(root, file.path)));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
