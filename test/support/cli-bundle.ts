import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * vitest globalSetup: brings the CLI bundle up to date once, before any worker starts. Test files
 * run `bin/remit` in parallel, and each would otherwise find the sources changed since the last
 * build and bundle them itself (~2 s of CPU each on a 2-core machine). bin/remit rebuilds only
 * what is stale, so this costs one `--version` (~0.1 s) when the bundle is current.
 */
export default function buildCliBundle(): void {
  execFileSync(fileURLToPath(new URL('../../bin/remit', import.meta.url)), ['--version'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
