import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { agentSources, graphWasmFiles } from '@remit/sandbox-agent';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

export interface AgentBundle {
  /** `${outDir}/agent-<hash>`: start.cjs (run this with node), agent.js and agent.cache, and the indexer's files. */
  dir: string;
  hash: string;
  /** Size of agent.js. */
  bytes: number;
  /** The graph indexer's files in `dir` (graph-indexer.cjs and the .wasm it loads), which the agent loads on its first `graph_index`. */
  indexerFiles: string[];
}

interface BundleAgentOptions {
  /** The node that will run the agent: the code cache is only valid for its V8 (default: this process's). */
  nodePath?: string;
}

/**
 * zod's namespace object re-exports every locale, so esbuild cannot drop the ~40 unused ones:
 * English only takes the bundle from 457 KB to 196 KB (measured). If zod moves the file, the
 * filter stops matching and the bundle is merely larger.
 */
const englishOnlyZodLocales: Plugin = {
  name: 'zod-english-only',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export { default as en } from './en.js';", loader: 'js' }));
  },
};

/**
 * The agent needs only the channel protocol, but `@remit/core`'s index builds every schema of
 * the API too: resolving the package to its protocol module saves ~5.5 ms of agent start
 * (measured, 51 → 45.7 ms p50). An agent import from outside the protocol then fails the build
 * loudly. (A `@remit/core/sandbox-protocol` subpath export would make this plugin unnecessary.)
 */
const protocolOnlyCore: Plugin = {
  name: 'core-protocol-only',
  setup(builder) {
    builder.onResolve({ filter: /^@remit\/core$/ }, () => ({
      path: join(dirname(createRequire(agentSources.agent).resolve('@remit/core')), 'schemas', 'sandbox-protocol.ts'),
    }));
  },
};

/**
 * The agent loads the graph indexer only when asked to index (`import('@remit/graph')` in
 * graph-index-tool.ts): in the bundle that import is graph-indexer.cjs beside agent.js, built
 * separately, so web-tree-sitter and the grammars cost the agent's start nothing.
 */
const GRAPH_INDEXER_FILE = 'graph-indexer.cjs';
const GRAPH_INDEXER_NAMESPACE = 'graph-indexer';
const graphIndexerBeside: Plugin = {
  name: 'graph-indexer-beside',
  setup(builder) {
    // A stub that requires the file: an external import() would stay a real dynamic import, which
    // the loader's vm.Script (agent-loader.ts) cannot serve; require is the loader's, beside agent.js.
    builder.onResolve({ filter: /^@remit\/graph$/ }, () => ({ path: GRAPH_INDEXER_FILE, namespace: GRAPH_INDEXER_NAMESPACE }));
    builder.onLoad({ filter: /.*/, namespace: GRAPH_INDEXER_NAMESPACE }, () => ({
      contents: `module.exports = require('./${GRAPH_INDEXER_FILE}');`,
      loader: 'js',
    }));
    builder.onResolve({ filter: /^\.\/graph-indexer\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** web-tree-sitter's CommonJS build: its ES module finds itself through import.meta.url, which a CommonJS bundle lacks. */
const webTreeSitterCommonJs: Plugin = {
  name: 'web-tree-sitter-cjs',
  setup(builder) {
    builder.onResolve({ filter: /^web-tree-sitter$/ }, (args) => ({ path: createRequire(join(args.resolveDir, 'index.js')).resolve('web-tree-sitter') }));
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  write: false,
  metafile: true,
  legalComments: 'none',
  logLevel: 'silent',
};

const pending = new Map<string, Promise<AgentBundle>>();

/**
 * Bundles the sandbox agent with esbuild into `${outDir}/agent-<hash>/` and writes its V8 code
 * cache with `nodePath` (see agent-loader.ts for why CommonJS and a cache). The hash covers the
 * code and the node binary. Cached per process; across processes each builds in a temp dir and
 * renames it into place, so concurrent callers are safe.
 */
export function bundleAgent(outDir: string, options: BundleAgentOptions = {}): Promise<AgentBundle> {
  const nodePath = options.nodePath ?? process.execPath;
  const key = `${outDir}\0${nodePath}`;
  let bundle = pending.get(key);
  if (bundle === undefined) {
    bundle = recordedBundle(outDir, nodePath).then((recorded) => recorded ?? writeBundle(outDir, nodePath));
    pending.set(key, bundle);
    bundle.catch(() => pending.delete(key)); // the caller gets the failure; the next call tries again
  }
  return bundle;
}

/**
 * Which files the last bundle in `outDir` was built from (size and mtime) and with which node,
 * so a new process skips esbuild when none changed: `remit sandbox exec` spent ~70 ms of its
 * ~350 ms rebuilding an identical bundle (measured). Any change rebuilds, as before.
 */
const SOURCES_RECORD = 'agent-sources.json';

interface SourcesRecord {
  node: string;
  bundle: AgentBundle;
  inputs: [path: string, mtimeMs: number, size: number][];
}

async function nodeKey(nodePath: string): Promise<string> {
  const node = await stat(nodePath);
  return `${nodePath}\0${node.size}\0${node.mtimeMs}`;
}

async function recordedBundle(outDir: string, nodePath: string): Promise<AgentBundle | undefined> {
  let record: SourcesRecord;
  try {
    record = JSON.parse(await readFile(join(outDir, SOURCES_RECORD), 'utf8')) as SourcesRecord;
  } catch {
    return undefined; // none yet, or unreadable: build
  }
  const { bundle } = record;
  // The record may only ever point at a bundle of this directory.
  if (!/^[0-9a-f]{16}$/.test(bundle?.hash ?? '') || bundle.dir !== join(outDir, `agent-${bundle.hash}`)) return undefined;
  // A record from before the indexer, or naming a file outside the bundle's directory, is rebuilt.
  if (!Array.isArray(bundle.indexerFiles) || !bundle.indexerFiles.every((name) => /^[\w-][\w.-]*$/.test(name))) return undefined;
  if (record.node !== (await nodeKey(nodePath))) return undefined;
  for (const [path, mtimeMs, size] of record.inputs) {
    const info = await stat(path).catch(() => undefined);
    if (info?.mtimeMs !== mtimeMs || info.size !== size) return undefined;
  }
  const cached = await stat(join(bundle.dir, 'agent.cache')).catch(() => undefined);
  return cached ? bundle : undefined;
}

async function writeSourcesRecord(
  outDir: string,
  nodePath: string,
  bundle: AgentBundle,
  built: { cwd: string; metafiles: Metafile[]; extraInputs: string[] },
): Promise<void> {
  // An input of a plugin's own namespace (`graph-indexer:graph-indexer.cjs`, the stub above) is no file.
  const inBuild = built.metafiles
    .flatMap((m) => Object.keys(m.inputs))
    .filter((f) => !f.startsWith(`${GRAPH_INDEXER_NAMESPACE}:`))
    .map((f) => resolve(built.cwd, f));
  const files = [...new Set([...inBuild, ...built.extraInputs, fileURLToPath(import.meta.url)])];
  const inputs: SourcesRecord['inputs'] = [];
  for (const path of files) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return; // an input we cannot see again cannot vouch for the bundle: no record
    inputs.push([path, info.mtimeMs, info.size]);
  }
  const record: SourcesRecord = { node: await nodeKey(nodePath), bundle, inputs };
  const temp = join(outDir, `${SOURCES_RECORD}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temp, JSON.stringify(record), { mode: 0o644 });
  await rename(temp, join(outDir, SOURCES_RECORD));
}

async function writeBundle(outDir: string, nodePath: string): Promise<AgentBundle> {
  // Loaded only to build: a process that finds its bundle recorded never loads esbuild.
  const { build } = await import('esbuild');
  const cwd = process.cwd(); // metafile paths are relative to it
  const [agent, loader, indexer] = await Promise.all([
    build({ ...common, absWorkingDir: cwd, entryPoints: [agentSources.agent], plugins: [englishOnlyZodLocales, protocolOnlyCore, graphIndexerBeside] }),
    build({ ...common, absWorkingDir: cwd, entryPoints: [agentSources.loader] }),
    build({ ...common, absWorkingDir: cwd, entryPoints: [agentSources.graphIndexer], plugins: [englishOnlyZodLocales, webTreeSitterCommonJs] }),
  ]);
  const agentJs = agent.outputFiles?.[0]?.contents;
  const startCjs = loader.outputFiles?.[0]?.contents;
  const indexerCjs = indexer.outputFiles?.[0]?.contents;
  if (agentJs === undefined || startCjs === undefined || indexerCjs === undefined) throw new Error('esbuild produced no agent bundle');
  const wasmPaths = graphWasmFiles();
  const wasm = await Promise.all(wasmPaths.map(async (path) => ({ name: basename(path), bytes: await readFile(path) })));
  const node = await stat(nodePath);
  const digest = createHash('sha256').update(agentJs).update(startCjs).update(indexerCjs);
  for (const file of wasm) digest.update(file.name).update(file.bytes);
  const hash = digest.update(`${nodePath}\0${node.size}\0${node.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(outDir, `agent-${hash}`);
  const bundle: AgentBundle = { dir, hash, bytes: agentJs.length, indexerFiles: [GRAPH_INDEXER_FILE, ...wasm.map((file) => file.name)] };
  const record = () =>
    writeSourcesRecord(outDir, nodePath, bundle, { cwd, metafiles: [agent.metafile!, loader.metafile!, indexer.metafile!], extraInputs: wasmPaths });
  if (
    await stat(join(dir, 'agent.cache')).then(
      () => true,
      () => false,
    )
  ) {
    await record();
    return bundle;
  }

  await mkdir(outDir, { recursive: true, mode: 0o755 });
  const temp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(temp, { mode: 0o755 });
  try {
    await writeFile(join(temp, 'agent.js'), agentJs, { mode: 0o444 });
    await writeFile(join(temp, 'start.cjs'), startCjs, { mode: 0o444 });
    await writeFile(join(temp, GRAPH_INDEXER_FILE), indexerCjs, { mode: 0o444 });
    for (const file of wasm) await writeFile(join(temp, file.name), file.bytes, { mode: 0o444 });
    await promisify(execFile)(nodePath, [join(temp, 'start.cjs'), '--write-code-cache'], { env: {}, cwd: '/' });
    await chmod(join(temp, 'agent.cache'), 0o444);
    await rename(temp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process got there first with the same content.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  await record();
  return bundle;
}
