import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentEntryPath } from '@remit/sandbox-agent';
import { build, type Plugin } from 'esbuild';

export interface AgentBundle {
  /** `${outDir}/agent-<content hash>.mjs` */
  path: string;
  hash: string;
  bytes: number;
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

const pending = new Map<string, Promise<AgentBundle>>();

/**
 * Bundles the sandbox agent into one minified ESM file in `outDir`, named by its content hash.
 * Cached per process; across processes the temp-file-and-rename write makes concurrent callers
 * safe (each renames identical bytes onto the same name).
 */
export function bundleAgent(outDir: string): Promise<AgentBundle> {
  let bundle = pending.get(outDir);
  if (bundle === undefined) {
    bundle = writeBundle(outDir);
    pending.set(outDir, bundle);
    bundle.catch(() => pending.delete(outDir));
  }
  return bundle;
}

async function writeBundle(outDir: string): Promise<AgentBundle> {
  const result = await build({
    entryPoints: [agentEntryPath],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    write: false,
    legalComments: 'none',
    plugins: [englishOnlyZodLocales],
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no agent bundle');
  const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 16);
  const path = join(outDir, `agent-${hash}.mjs`);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, file.contents, { mode: 0o444 });
  await rename(temp, path);
  return { path, hash, bytes: file.contents.length };
}
