import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { LEAN_COMMAND_MODULES } from './launch.ts';

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

/** The module that turns a source's path, relative to the bundle's directory, back into its URL. */
const SOURCE_URL_MODULE = 'remit-bundle:source-url';

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
        if (args.pluginData === 'resolving' || isBuiltin(args.path) || args.path.startsWith('@remit/') || args.path === SOURCE_URL_MODULE) return undefined;
        if (BUNDLED_PACKAGES.has(packageName(args.path))) return undefined;
        const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: `./${relative(outDir, found.path).split(sep).join('/')}`, external: true };
      });
    },
  };
}

/**
 * Our sources as the bundle needs them; the index files read on the way are added to `indexes`,
 * so the manifest records them too.
 * - Each `import.meta.url` becomes that source file's URL, relative to the bundle's directory so
 *   the checkout can move: modules that find files beside themselves
 *   (`new URL('../migrations/', import.meta.url)`) keep finding them. The URL comes from a module
 *   of its own, imported under a name esbuild keeps unique: written inline as
 *   `require('node:url')…`, it broke a source that declares its own `require`
 *   (`const require = createRequire(import.meta.url)` called itself before it was initialised).
 * - An import of names from one of our packages (`import { a } from '@remit/core'`) goes straight
 *   to the modules that define them (see directImports): a command initialises only what it uses.
 */
export function ourSources(outDir: string, indexes: Set<string>): Plugin {
  return {
    name: 'remit-our-sources',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${SOURCE_URL_MODULE}$`) }, (args) => ({ path: args.path, namespace: 'remit-bundle' }));
      b.onLoad({ filter: /.*/, namespace: 'remit-bundle' }, () => ({
        contents: `import { pathToFileURL } from 'node:url'; import { join } from 'node:path';
export const sourceUrl = (fromBundle) => pathToFileURL(join(__dirname, fromBundle)).href;`,
        loader: 'js',
      }));
      const exportMaps = new Map<string, Promise<ExportMap | undefined>>();
      const exportsOf = (pkg: string, importer: string) => {
        let map = exportMaps.get(pkg);
        if (map === undefined) {
          map = (async () => {
            const found = await b.resolve(pkg, { kind: 'import-statement', resolveDir: dirname(importer) });
            if (found.errors.length > 0 || found.external || !found.path.endsWith('.ts')) return undefined;
            indexes.add(found.path);
            return parseIndex(found.path, await readFile(found.path, 'utf8'));
          })();
          exportMaps.set(pkg, map);
        }
        return map;
      };
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        let source = await readFile(args.path, 'utf8');
        const original = source;
        if (source.includes('import.meta.url')) {
          const fromBundle = JSON.stringify(relative(outDir, args.path));
          // On the first line, so line numbers in stack traces still match the sources.
          source = `import { sourceUrl as __remitSourceUrl } from '${SOURCE_URL_MODULE}'; ${source.replaceAll('import.meta.url', `__remitSourceUrl(${fromBundle})`)}`;
        }
        if (source.includes("from '@remit/")) source = await directImports(source, (pkg) => exportsOf(pkg, args.path));
        return source === original ? undefined : { contents: source, loader: 'ts' };
      });
    },
  };
}

/** What a re-export-only index exports: exported name → the file that defines it and its name there. */
type ExportMap = Map<string, { file: string; name: string }>;

const NAMED_LIST = String.raw`\{([^}]*)\}`;
const REEXPORT = new RegExp(String.raw`export\s+(type\s+)?${NAMED_LIST}\s+from\s+'(\.[^']+)';`, 'g');
const IMPORT_OURS = new RegExp(String.raw`import\s+${NAMED_LIST}\s+from\s+'(@remit\/[a-z0-9-]+)';`, 'g');

/** `a`, `type B`, `c as d` → [name, local name], types left out (erased anyway). */
function namedList(list: string): [string, string][] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('type '))
    .map((item) => {
      const [name, local] = item.split(/\s+as\s+/);
      return [name!, local ?? name!];
    });
}

/** The export map of an index made of `export { … } from './x.ts'` statements alone (STYLE.md), else undefined: imports from it stay as written. */
export function parseIndex(path: string, source: string): ExportMap | undefined {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const map: ExportMap = new Map();
  for (const [, typeOnly, list, from] of code.matchAll(REEXPORT)) {
    if (typeOnly) continue;
    for (const [name, exported] of namedList(list!)) map.set(exported, { file: join(dirname(path), from!), name });
  }
  return code.replace(REEXPORT, '').trim() === '' ? map : undefined;
}

/**
 * Rewrites `import { a, b as c } from '@remit/pkg'` into imports from the files defining a and
 * b. esbuild initialises every module an index re-exports when anything is imported from it
 * (modules reached through `import()` are wrapped, and a wrapped module runs its imports):
 * `remit sandbox exec` set up every zod schema of @remit/core that way, over half its start-up
 * (measured with --cpu-prof). An import naming something the index does not export is left as
 * written, for esbuild to report.
 */
export async function directImports(source: string, exportsOf: (pkg: string) => Promise<ExportMap | undefined>): Promise<string> {
  const rewrites = new Map<string, string>();
  for (const [statement, list, pkg] of source.matchAll(IMPORT_OURS)) {
    const map = await exportsOf(pkg!);
    if (map === undefined) continue;
    const byFile = new Map<string, string[]>();
    const names = namedList(list!);
    if (!names.every(([name]) => map.has(name))) continue;
    for (const [name, local] of names) {
      const { file, name: defined } = map.get(name)!;
      byFile.set(file, [...(byFile.get(file) ?? []), defined === local ? defined : `${defined} as ${local}`]);
    }
    const imports = [...byFile].map(([file, specifiers]) => `import { ${specifiers.join(', ')} } from ${JSON.stringify(file)};`);
    rewrites.set(statement, imports.join(' ') + '\n'.repeat(statement.split('\n').length - 1));
  }
  // As many lines as before, so line numbers in stack traces still match the sources.
  return rewrites.size === 0 ? source : source.replace(IMPORT_OURS, (statement) => rewrites.get(statement) ?? statement);
}

/**
 * lean.cjs is main.cjs without the modules of the commands launch.ts never starts from it (see
 * LEAN_COMMAND_MODULES): each is a stub that says so. `--version`, `--help` and `sandbox exec`
 * then read and load ~10% of the code main.cjs holds.
 */
const leanCommands: Plugin = {
  name: 'remit-lean-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.ts$/ }, (args) => {
      if (!args.importer.endsWith(join('cli', 'program.ts')) || LEAN_COMMAND_MODULES.includes(args.path)) return undefined;
      return { path: args.path, namespace: 'remit-left-out' };
    });
    b.onLoad({ filter: /.*/, namespace: 'remit-left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in lean.cjs: launch.ts must start this command from main.cjs`)});`,
      loader: 'js',
    }));
  },
};

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
 * is replaced by rename too. The hash is of the output alone (names relative to the build's
 * directory, and contents), and the manifest lists its inputs in order, so processes that build
 * the same sources at once (parallel test workers finding the sources changed) agree on one
 * directory and write the same manifest; with the temporary directory's name in the hash, each
 * published a directory of its own and a caller could find current.json pointing elsewhere
 * right after writing it. Returns the manifest written.
 */
export async function bundleCli(): Promise<CliManifest> {
  await mkdir(cacheDir, { recursive: true });
  const temp = join(cacheDir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const indexes = new Set<string>();
  try {
    const common = {
      absWorkingDir: repoRoot,
      outdir: temp,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      format: 'cjs' as const,
      platform: 'node' as const,
      target: 'node20',
      // Node's own conditions: the same files tsx would load (node ≥ 20.19 requires ES modules).
      conditions: [],
      // `import()` of a left-out package becomes require: the bundle runs as a plain script (launch.ts).
      supported: { 'dynamic-import': false },
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent' as const,
    } satisfies BuildOptions;
    const plugins = [externalPackages(temp), ourSources(temp, indexes), englishOnlyZodLocales];
    const results = await Promise.all([
      build({ ...common, entryPoints: { main: join(sources, 'main.ts'), launch: join(sources, 'bundle', 'launch.ts') }, plugins }),
      build({ ...common, entryPoints: { lean: join(sources, 'main.ts') }, plugins: [leanCommands, ...plugins] }),
    ]);
    const hash = createHash('sha256');
    const outputs = results.flatMap((result) => Object.keys(result.metafile.outputs).map((file) => relative(temp, join(repoRoot, file)).split(sep).join('/')));
    for (const file of outputs.sort()) hash.update(file).update(await readFile(join(temp, file)));
    const dir = hash.digest('hex').slice(0, 16);
    await rename(temp, join(cacheDir, dir)).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      // Another process built the same bundle first (or an old build was this one): fresh again, so removeOldBuilds keeps it.
      const now = new Date();
      await utimes(join(cacheDir, dir), now, now);
    });
    const read = [
      ...results.flatMap((result) => Object.keys(result.metafile.inputs)),
      ...[...indexes, fileURLToPath(import.meta.url)].map((file) => relative(repoRoot, file)),
    ];
    const inputs = [...new Set(read)]
      .filter((file) => existsSync(join(repoRoot, file)))
      .map((file): [string, number, number] => {
        const s = statSync(join(repoRoot, file));
        return [file.split(sep).join('/'), s.mtimeMs, s.size];
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
