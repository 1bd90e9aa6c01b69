import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/**
 * `bin/remit` starts from this bundle instead of loading TypeScript through tsx: `remit --help`
 * took 0.8 s through tsx (most of it tsx itself), and takes ~105 ms from the bundle where
 * `node -e 0` takes 64 ms (bench/cli-startup.ts). The bundle is one CommonJS file that
 * launch.ts compiles with a V8 code cache; each command's modules are reached through a
 * dynamic import, which esbuild turns into a module initialised only when that command runs.
 *
 * The bundle is a cache, never a build step anyone runs: `pnpm install` builds it (postinstall),
 * and bin/remit rebuilds it whenever a file it was built from changed (the manifest records
 * each input's size and mtime). It lives under node_modules/.cache, so git never sees it.
 */

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const sources = fileURLToPath(new URL('../', import.meta.url));
/** Where bin/remit looks for `current.json`; see bin/remit. */
export const cacheDir = join(repoRoot, 'node_modules', '.cache', 'remit-cli');
const MANIFEST = 'current.json';
/** Builds older than this that are not current are removed; a process started from one has long loaded what it needs. */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

/**
 * Third-party packages bundled with our code. Everything else stays a separate file that node
 * loads itself (PGlite finds its WASM and esbuild its binary next to their own files), required
 * by relative path because pnpm does not link packages where the bundle could find them by name.
 * zod is bundled, with English messages only (it loads ~40 locales otherwise), and so is
 * everything that shares its schema objects, so there is one zod.
 */
const BUNDLED_PACKAGES = new Set(['zod', '@hono/zod-openapi', '@hono/zod-validator', '@asteasolutions/zod-to-openapi', 'commander', 'yaml']);

export interface CliManifest {
  /** The build's directory under cacheDir, holding launch.cjs and main.cjs. */
  dir: string;
  /** [path relative to the repository, mtimeMs, size] of every file the build read. */
  inputs: [string, number, number][];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** A package the bundle leaves out is resolved as node would, and required by its path relative to the output directory. */
function externalPackages(outDir: string): Plugin {
  return {
    name: 'remit-external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving' || isBuiltin(args.path) || args.path.startsWith('@remit/')) return undefined;
        if (BUNDLED_PACKAGES.has(packageName(args.path))) return undefined;
        const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: `./${relative(outDir, found.path).split(sep).join('/')}`, external: true };
      });
    },
  };
}

/**
 * Our modules that find files beside themselves (`new URL('../migrations/', import.meta.url)`)
 * must keep finding them from the bundle: each `import.meta.url` in our sources becomes that
 * source file's URL, relative to the bundle's directory so the checkout can move.
 */
function sourceFileUrls(outDir: string): Plugin {
  return {
    name: 'remit-source-file-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const fromBundle = JSON.stringify(relative(outDir, args.path));
        const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${fromBundle})).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/** zod's locales index re-exports every language; English is the one zod configures by default. */
const englishOnlyZodLocales: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export { default as en } from './en.js';", loader: 'js' }));
  },
};

/**
 * Bundles the CLI into `cacheDir/<hash>/` and points `current.json` at it. Concurrent callers
 * are safe: each builds in a directory of its own and renames it into place, and the manifest
 * is replaced by rename too. Returns the manifest written.
 */
export async function bundleCli(): Promise<CliManifest> {
  await mkdir(cacheDir, { recursive: true });
  const temp = join(cacheDir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = await build({
      absWorkingDir: repoRoot,
      entryPoints: { main: join(sources, 'main.ts'), launch: join(sources, 'bundle', 'launch.ts') },
      outdir: temp,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // Node's own conditions: the same files tsx would load (node ≥ 20.19 requires ES modules).
      conditions: [],
      // `import()` of a left-out package becomes require: the bundle runs as a plain script (launch.ts).
      supported: { 'dynamic-import': false },
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
      plugins: [externalPackages(temp), sourceFileUrls(temp), englishOnlyZodLocales],
    });
    const hash = createHash('sha256');
    for (const file of Object.keys(result.metafile.outputs).sort()) hash.update(file).update(await readFile(join(repoRoot, file)));
    const dir = hash.digest('hex').slice(0, 16);
    await rename(temp, join(cacheDir, dir)).catch((err: NodeJS.ErrnoException) => {
      // Another process built the same bundle first.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
    const inputs = [...Object.keys(result.metafile.inputs), relative(repoRoot, fileURLToPath(import.meta.url))]
      .filter((file) => existsSync(join(repoRoot, file)))
      .map((file): [string, number, number] => {
        const s = statSync(join(repoRoot, file));
        return [file.split(sep).join('/'), s.mtimeMs, s.size];
      });
    const manifest: CliManifest = { dir, inputs };
    const manifestTemp = join(cacheDir, `${MANIFEST}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(manifestTemp, JSON.stringify(manifest));
    await rename(manifestTemp, join(cacheDir, MANIFEST));
    await removeOldBuilds(dir);
    return manifest;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function removeOldBuilds(current: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(cacheDir)) {
    if (entry === current || entry === MANIFEST) continue;
    const path = join(cacheDir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > KEEP_OLD_BUILDS_MS) await rm(path, { recursive: true, force: true });
  }
}
