import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remitBin } from '../testing.ts';
import { bundleCli, cacheDir, type CliManifest } from './bundle-cli.ts';

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

  it('is rebuilt when a source it was built from changed', async () => {
    const manifest = await bundleCli();
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
    expect(existsSync(join(dir, 'default.cache'))).toBe(true);
    expect(existsSync(join(dir, 'egress.cache'))).toBe(true);
    expect(existsSync(join(dir, 'zzzz-not-a-command.cache'))).toBe(false);
  });
});
