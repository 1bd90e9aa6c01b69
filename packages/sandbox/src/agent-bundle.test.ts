import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleAgent, type AgentBundle } from './agent-bundle.ts';

describe('bundleAgent', () => {
  let outDir: string;
  let bundle: AgentBundle;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'remit-bundle-'));
    bundle = await bundleAgent(outDir);
  });
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('writes the loader, the agent and its code cache, read-only, named by content hash', async () => {
    expect(bundle.dir).toBe(join(outDir, `agent-${bundle.hash}`));
    expect((await readdir(bundle.dir)).sort()).toEqual(['agent.cache', 'agent.js', 'start.cjs']);
    expect((await stat(join(bundle.dir, 'agent.js'))).mode & 0o777).toBe(0o444);
    expect(await readdir(outDir)).toEqual([`agent-${bundle.hash}`]); // no temp dirs left
    expect(await bundleAgent(outDir)).toEqual(bundle);
  });

  it('holds the channel protocol and English zod only, nothing else of @remit/core', async () => {
    const code = await readFile(join(bundle.dir, 'agent.js'), 'utf8');
    expect(code).toContain('git_checkout');
    expect(code).not.toContain('REMIT_MASTER_KEY'); // the environment schema
    expect(code).not.toContain('Ungültig'); // zod's German locale
    expect(bundle.bytes).toBeLessThan(260_000);
  });

  it('starts: with no token and no channel the agent says why and exits 1', async () => {
    const run = promisify(execFile)(process.execPath, [join(bundle.dir, 'start.cjs'), join(outDir, 'missing.sock')], { env: {} });
    run.child.stdin?.end('\n');
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('remit agent: channel') });
  });
});
