import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'sandbox-image/src/**/*.test.ts',
      'test/**/*.test.ts',
      'evals/src/**/*.test.ts',
      'infra/test/**/*.test.ts',
    ],
    // PGlite compiles a WASM Postgres per instance (~2 s on this machine), so a file's first test is slow.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default, one worker fewer than the CPUs, ran one file at a time on a 2-core
    // machine, though files spend much of their time waiting on child processes, sockets and the
    // database server: the whole suite took 447-455 s there with two workers against ~800 s with
    // one (measured on a shared, busy machine). Three were faster still (390-414 s), but left
    // sandboxes starting near their ready timeout on that machine, so one per core.
    maxWorkers: Math.max(2, availableParallelism()),
    globalSetup: ['test/support/cli-bundle.ts', 'test/support/pglite-template.ts'],
    setupFiles: ['test/support/fast-check-seed.ts'],
  },
});
