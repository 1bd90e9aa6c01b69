import { constants, closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { languageOf, type LanguageSpec } from './languages/index.ts';

export interface SourceFile {
  /** Relative to the root, forward slashes. */
  path: string;
  spec: LanguageSpec;
}

/**
 * Directories never indexed: version control, dependencies, build output and caches. Any other
 * directory whose name starts with a dot is skipped too (.next, .venv, .tox, .cache, …).
 */
const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  'vendor',
  'dist',
  'build',
  'out',
  'target',
  'coverage',
  '__pycache__',
  'venv',
  'site-packages',
  'bower_components',
]);
/** A path the graph's schema can carry: no backslash or control character, not too long. */
function storablePath(path: string): boolean {
  if (path.length > 1024) return false;
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x5c) return false;
  }
  return true;
}

/**
 * The source files under `root` in a stable order (byte order of paths), at most `maxFiles`.
 * Symlinked directories are not followed (no loops, no escape); a symlinked file is indexed only
 * when it resolves to a file inside the root.
 */
export function walkRepository(root: string, maxFiles: number): SourceFile[] {
  const realRoot = realpathSync(root);
  const files: SourceFile[] = [];
  const visit = (relative: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(relative === '' ? realRoot : join(realRoot, relative), { withFileTypes: true });
    } catch {
      return; // unreadable: skipped
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (files.length >= maxFiles) return;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (!storablePath(path)) continue;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRECTORIES.has(entry.name)) visit(path);
        continue;
      }
      const spec = languageOf(path);
      if (spec === undefined) continue;
      if (entry.isFile() || (entry.isSymbolicLink() && linksInside(realRoot, path))) files.push({ path, spec });
    }
  };
  visit('');
  return files;
}

function linksInside(realRoot: string, path: string): boolean {
  try {
    const target = realpathSync(join(realRoot, path));
    return target.startsWith(realRoot + sep);
  } catch {
    return false;
  }
}

export type ReadOutcome = { bytes: Buffer } | { skipped: 'too_large' | 'not_a_file' | 'unreadable' };

/**
 * A regular file's bytes, at most `maxBytes`. O_NONBLOCK so a FIFO swapped in cannot hang the
 * walk; the descriptor's own stat decides what it is.
 */
export function readSourceFile(root: string, path: string, maxBytes: number): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return { skipped: 'unreadable' };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { skipped: 'not_a_file' };
    if (stat.size > maxBytes) return { skipped: 'too_large' };
    const bytes = Buffer.allocUnsafe(stat.size);
    let length = 0;
    while (length < bytes.length) {
      const read = readSync(fd, bytes, length, bytes.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { bytes: bytes.subarray(0, length) };
  } catch {
    return { skipped: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

/** Git's heuristic: a NUL byte in the first 8,000 bytes makes a file binary. */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}
