import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { remitBin } from '../testing.ts';
import { bundleCli, cacheDir, directImports, ourSources, parseIndex, type CliManifest } from './bundle-cli.ts';
import { usesLeanBundle } from './launch.ts';

const current = () => JSON.parse(readFileSync(join(cacheDir, 'current.json'), 'utf8')) as CliManifest;

function remit(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'remit-bundle-'));
  try {
    return spawnSync(remitBin, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir }, timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the CLI bundle', () => {
  it('records every file it was built from, and bin/remit runs it', async () => {
    const manifest = await bundleCli();
    expect(current()).toEqual(manifest);
    const inputs = manifest.inputs.map(([path]) => path);
    for (const source of [
      'services/api/src/cli/main.ts',
      'services/api/src/cli/commands/apply.ts',
      'packages/db/src/migrate.ts',
      'services/api/src/cli/bundle/bundle-cli.ts',
    ])
      expect(inputs).toContain(source);
    expect(existsSync(join(cacheDir, manifest.dir, 'main.cjs'))).toBe(true);
    // Modules that read files beside their sources still find them: the migrations here.
    const migrate = remit(['migrate']);
    expect(migrate.stderr).toBe('');
    expect(migrate.stdout).toMatch(/^applied \d+ migration\(s\): 0001_foundation\.sql/);
  });

  it('is built into one directory with one manifest by processes building at once (parallel test workers did, and each published its own)', async () => {
    const [first, second] = await Promise.all([bundleCli(), bundleCli()]);
    expect(second).toEqual(first);
    expect(current()).toEqual(first);
  });

  it('is rebuilt when a source it was built from changed', () => {
    const manifest = current(); // up to date: the run's global setup (test/support/cli-bundle.ts) saw to that
    const main = manifest.inputs.findIndex(([path]) => path === 'services/api/src/cli/main.ts');
    // As if main.ts had been edited after the build.
    const stale: CliManifest = { ...manifest, inputs: manifest.inputs.map((input, i) => (i === main ? [input[0], input[1] - 1000, input[2]] : input)) };
    writeFileSync(join(cacheDir, 'current.json'), JSON.stringify(stale));
    expect(remit(['--version']).status).toBe(0);
    const rebuilt = current().inputs.find(([path]) => path === 'services/api/src/cli/main.ts')!;
    expect(rebuilt[1]).toBe(statSync(join(cacheDir, '../../../services/api/src/cli/main.ts')).mtimeMs);
  });

  it('keeps a V8 code cache per command, written after a run that was not a usage error', () => {
    expect(remit(['--version']).status).toBe(0);
    expect(remit(['egress', 'check', 'http://8.8.8.8/']).status).toBe(0);
    expect(remit(['zzzz-not-a-command']).status).toBe(2);
    const dir = join(cacheDir, current().dir);
    expect(existsSync(join(dir, 'lean.default.cache'))).toBe(true);
    expect(existsSync(join(dir, 'main.egress.cache'))).toBe(true);
    expect(existsSync(join(dir, 'main.zzzz-not-a-command.cache'))).toBe(false);
  });

  it('starts --version, --help and sandbox exec from lean.cjs, which holds no other command’s code', () => {
    const manifest = current();
    const lean = readFileSync(join(cacheDir, manifest.dir, 'lean.cjs'), 'utf8');
    expect(lean).toContain('function sandboxExecCommand(');
    expect(lean).not.toContain('function egressCheckCommand(');
    expect(lean).not.toContain('function applyCommand(');
    for (const argv of [
      [],
      ['--version'],
      ['-V'],
      ['--help'],
      ['help', 'runs'],
      ['sandbox', 'exec', '--', 'ls', '-la'],
      ['sandbox', 'exec', '--timeout', '5', '--', 'true'],
    ]) {
      expect(usesLeanBundle(argv)).toBe(true);
    }
    for (const argv of [['egress', 'check', 'http://x/'], ['sandbox', 'list'], ['runs', '--help'], ['completion', 'bash'], ['zzzz']])
      expect(usesLeanBundle(argv)).toBe(false);
    // Each still runs, from its own bundle.
    expect(remit(['--help']).stdout).toContain('sandbox');
    expect(remit(['sandbox', 'exec', '--', 'sh', '-c', 'exit 3']).status).toBe(3);
    expect(remit(['egress', 'check', 'http://8.8.8.8/']).status).toBe(0);
  });
});

describe('import.meta.url in the bundle', () => {
  it('is the source’s own URL, also in a source that declares its own require (console/assets.ts did, and remit serve failed to start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'remit-bundle-source-'));
    try {
      const source = join(dir, 'own-require.ts');
      writeFileSync(
        source,
        "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const found = require.resolve('./beside.cjs');\nexport const url = import.meta.url;\n",
      );
      writeFileSync(join(dir, 'beside.cjs'), '');
      const out = join(dir, 'out');
      await build({
        entryPoints: [source],
        outdir: out,
        bundle: true,
        format: 'cjs',
        platform: 'node',
        plugins: [ourSources(out, new Set())],
        logLevel: 'silent',
      });
      expect(createRequire(import.meta.url)(join(out, 'own-require.js'))).toEqual({ found: join(dir, 'beside.cjs'), url: pathToFileURL(source).href });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('directImports (imports of our packages go to the modules that define the names)', () => {
  const index = `/** The door. */
export { a, type A } from './a.ts';
export { b as bee, c } from './dir/bc.ts';
export type { T } from './t.ts';
`;
  const map = parseIndex('/repo/packages/x/src/index.ts', index)!;

  it('reads a re-export-only index, and refuses one that does anything else', () => {
    expect([...map]).toEqual([
      ['a', { file: '/repo/packages/x/src/a.ts', name: 'a' }],
      ['bee', { file: '/repo/packages/x/src/dir/bc.ts', name: 'b' }],
      ['c', { file: '/repo/packages/x/src/dir/bc.ts', name: 'c' }],
    ]);
    expect(parseIndex('/i.ts', `${index}export * from './d.ts';\n`)).toBeUndefined();
    expect(parseIndex('/i.ts', `${index}console.log('side effect');\n`)).toBeUndefined();
  });

  it('rewrites named imports, types dropped and lines kept, and leaves everything else as written', async () => {
    const source = `import { a, type A,\n  bee as B } from '@remit/x';\nimport type { T } from '@remit/x';\nimport { nope } from '@remit/x';\nimport { z } from 'zod';\n`;
    const rewritten = await directImports(source, async (pkg) => (pkg === '@remit/x' ? map : undefined));
    expect(rewritten).toBe(
      `import { a } from "/repo/packages/x/src/a.ts"; import { b as B } from "/repo/packages/x/src/dir/bc.ts";\n\nimport type { T } from '@remit/x';\nimport { nope } from '@remit/x';\nimport { z } from 'zod';\n`,
    );
  });
});
