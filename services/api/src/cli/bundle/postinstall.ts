import { bundleCli } from './bundle-cli.ts';

// `pnpm install` runs this (the root package's postinstall), so the first `bin/remit` starts fast.
// A failure only warns: bin/remit rebuilds on its first run, or runs the sources through tsx.
try {
  await bundleCli();
} catch (err) {
  process.stderr.write(`remit: could not bundle the CLI (bin/remit will run the sources instead): ${(err as Error).message}\n`);
}
