import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'sandbox-image/src/**/*.test.ts', 'test/**/*.test.ts', 'infra/test/**/*.test.ts'],
    // PGlite compiles a WASM Postgres per instance (~2 s on this machine), so a file's first test is slow.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/support/fast-check-seed.ts'],
  },
});
