/**
 * Runs every benchmark in turn, each in its own process so one's warm caches do not flatter the
 * next: `npx -y pnpm@10 bench`. Each prints its own table of figures and ratios.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = [
  ['audit-verify.ts'],
  ...(process.env.TEST_DATABASE_URL ? [['audit-verify.ts', '--postgres']] : []),
  ['sandbox-lifecycle.ts', '--runs', '50'],
  ['meter-throughput.ts'],
  ...(process.env.TEST_DATABASE_URL ? [['meter-throughput.ts', '--postgres']] : []),
  ['loop-overhead.ts'],
  ['push-streams.ts'],
  ...(process.env.TEST_DATABASE_URL ? [['push-streams.ts', '--postgres']] : []),
  ['cli-startup.ts'],
  ['console-pages.ts'],
  ['graph-index.ts'],
  ...(process.env.TEST_DATABASE_URL ? [['console-pages.ts', '--postgres']] : []),
];

let failed = 0;
for (const [file, ...args] of benches) {
  process.stdout.write(`\n== ${file} ${args.join(' ')}\n`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file!, import.meta.url)), ...args], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
