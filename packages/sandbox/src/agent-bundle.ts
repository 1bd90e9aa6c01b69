import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { agentSources } from '@remit/sandbox-agent';
import { build, type BuildOptions, type Plugin } from 'esbuild';

export interface AgentBundle {
  /** `${outDir}/agent-<hash>`: start.cjs (run this with node), agent.js and agent.cache. */
  dir: string;
  hash: string;
  /** Size of agent.js. */
  bytes: number;
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

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  write: false,
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
    bundle = writeBundle(outDir, nodePath);
    pending.set(key, bundle);
    bundle.catch(() => pending.delete(key)); // the caller gets the failure; the next call tries again
  }
  return bundle;
}

async function writeBundle(outDir: string, nodePath: string): Promise<AgentBundle> {
  const [agent, loader] = await Promise.all([
    build({ ...common, entryPoints: [agentSources.agent], plugins: [englishOnlyZodLocales, protocolOnlyCore] }),
    build({ ...common, entryPoints: [agentSources.loader] }),
  ]);
  const agentJs = agent.outputFiles?.[0]?.contents;
  const startCjs = loader.outputFiles?.[0]?.contents;
  if (agentJs === undefined || startCjs === undefined) throw new Error('esbuild produced no agent bundle');
  const node = await stat(nodePath);
  const hash = createHash('sha256').update(agentJs).update(startCjs).update(`${nodePath}\0${node.size}\0${node.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(outDir, `agent-${hash}`);
  if (
    await stat(join(dir, 'agent.cache')).then(
      () => true,
      () => false,
    )
  )
    return { dir, hash, bytes: agentJs.length };

  await mkdir(outDir, { recursive: true, mode: 0o755 });
  const temp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(temp, { mode: 0o755 });
  try {
    await writeFile(join(temp, 'agent.js'), agentJs, { mode: 0o444 });
    await writeFile(join(temp, 'start.cjs'), startCjs, { mode: 0o444 });
    await promisify(execFile)(nodePath, [join(temp, 'start.cjs'), '--write-code-cache'], { env: {}, cwd: '/' });
    await chmod(join(temp, 'agent.cache'), 0o444);
    await rename(temp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process got there first with the same content.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return { dir, hash, bytes: agentJs.length };
}
