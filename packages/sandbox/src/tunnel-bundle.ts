import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentSources } from '@remit/sandbox-agent';

const pending = new Map<string, Promise<string>>();

/**
 * Bundles the sandbox tunnel (sandbox-image/src/tunnel-main.ts) into one CommonJS file,
 * `${outDir}/tunnel-<hash>.cjs`, and returns its path: the ECS image's entry point (see the
 * Dockerfile), and what tests and the bench start as a task. Cached per process; written by
 * rename, so concurrent callers are safe.
 */
export function bundleTunnel(outDir: string): Promise<string> {
  let bundle = pending.get(outDir);
  if (bundle === undefined) {
    bundle = writeTunnel(outDir);
    pending.set(outDir, bundle);
    bundle.catch(() => pending.delete(outDir)); // the caller gets the failure; the next call tries again
  }
  return bundle;
}

async function writeTunnel(outDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [agentSources.tunnel],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (code === undefined) throw new Error('esbuild produced no tunnel bundle');
  const path = join(outDir, `tunnel-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`);
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return path;
  await mkdir(outDir, { recursive: true, mode: 0o755 });
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, code, { mode: 0o444 });
  await rename(temp, path);
  return path;
}
