import type { DiffFile } from './diff-types.ts';

/** Why a file is not worth the model's budget. */
export type FileClass = 'lock_file' | 'vendored' | 'generated' | 'minified';

const LOCK_FILES: ReadonlySet<string> = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lockb',
  'bun.lock',
  'Cargo.lock',
  'go.sum',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'Gemfile.lock',
  'composer.lock',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'packages.lock.json',
  'flake.lock',
  'gradle.lockfile',
  '.terraform.lock.hcl',
]);

const VENDORED = /(^|\/)(vendor|third_party|third-party|node_modules|bower_components|Pods)\//;

const GENERATED = [
  /\.pb\.go$/,
  /_pb2(_grpc)?\.pyi?$/,
  /\.pb\.(cc|h)$/,
  /(^|[/_.-])generated\.[^/]+$/i,
  /_generated\.[^/]+$/,
  /\.g\.dart$/,
  /\.min\.(js|css|mjs)$/,
  /\.(js|css)\.map$/,
  /(^|\/)(dist|build)\//,
  /(^|\/)__snapshots__\//,
  /\.snap$/,
];

// Minifiers write lines of many kilobytes; hand-written code past 1,000 characters on one line
// is rare enough that reviewing it would not be worth the budget anyway.
const MINIFIED_LINE_LENGTH = 1000;

/** Classifies a file by its path (lock file, vendored, generated) and then by its added lines (minified); null for ordinary code. */
export function classifyFile(file: DiffFile): FileClass | null {
  const base = file.path.slice(file.path.lastIndexOf('/') + 1);
  if (LOCK_FILES.has(base)) return 'lock_file';
  if (VENDORED.test(file.path)) return 'vendored';
  if (GENERATED.some((pattern) => pattern.test(file.path))) return 'generated';
  for (const hunk of file.hunks) for (const line of hunk.lines) if (line.kind === 'added' && line.text.length > MINIFIED_LINE_LENGTH) return 'minified';
  return null;
}
