import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
    expect((await readdir(bundle.dir)).sort()).toEqual(['agent.cache', 'agent.js', 'start.cjs', ...bundle.indexerFiles].sort());
    expect(bundle.indexerFiles).toEqual([
      'graph-indexer.cjs',
      'tree-sitter.wasm',
      'tree-sitter-typescript.wasm',
      'tree-sitter-tsx.wasm',
      'tree-sitter-javascript.wasm',
      'tree-sitter-python.wasm',
      'tree-sitter-go.wasm',
    ]);
    expect((await stat(join(bundle.dir, 'agent.js'))).mode & 0o777).toBe(0o444);
    expect((await readdir(outDir)).sort()).toEqual([`agent-${bundle.hash}`, 'agent-sources.json']); // no temp dirs left
    expect(await bundleAgent(outDir)).toEqual(bundle);
  });

  it('holds the channel protocol and English zod only, nothing else of @remit/core', async () => {
    const code = await readFile(join(bundle.dir, 'agent.js'), 'utf8');
    expect(code).toContain('git_checkout');
    expect(code).not.toContain('REMIT_MASTER_KEY'); // the environment schema
    expect(code).not.toContain('Ungültig'); // zod's German locale
    expect(code).not.toContain('tree-sitter'); // the graph indexer is its own file, loaded on the first graph_index
    expect(bundle.bytes).toBeLessThan(260_000);
  });

  it('starts: with no token and no channel the agent says why and exits 1', async () => {
    const run = promisify(execFile)(process.execPath, [join(bundle.dir, 'start.cjs'), join(outDir, 'missing.sock')], { env: {} });
    run.child.stdin?.end('\n');
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('remit agent: channel') });
  });

  /** bundleAgent in a new process (this one remembers its bundle per directory). */
  async function inNewProcess(dir: string): Promise<AgentBundle> {
    const module = JSON.stringify(new URL('./agent-bundle.ts', import.meta.url).href);
    const script = `const { bundleAgent } = await import(${module}); process.stdout.write(JSON.stringify(await bundleAgent(${JSON.stringify(dir)})));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    return JSON.parse(stdout) as AgentBundle;
  }
  const record = async () =>
    JSON.parse(await readFile(join(outDir, 'agent-sources.json'), 'utf8')) as { bundle: AgentBundle; inputs: [string, number, number][] };

  it('records what it was built from, and a new process trusts that record while none of it changed', async () => {
    const recorded = await record();
    expect(recorded.bundle).toEqual(bundle);
    const inputs = recorded.inputs.map(([path]) => path);
    for (const file of ['sandbox-image/src/agent.ts', 'packages/core/src/schemas/sandbox-protocol.ts', 'packages/sandbox/src/agent-bundle.ts'])
      expect(inputs.some((path) => path.endsWith(file))).toBe(true);
    // A mark only the record carries: a process that returns it did not rebuild.
    await writeFile(join(outDir, 'agent-sources.json'), JSON.stringify({ ...recorded, bundle: { ...bundle, bytes: 1 } }));
    expect(await inNewProcess(outDir)).toEqual({ ...bundle, bytes: 1 });
  });

  it('builds again when a recorded file changed, and never follows a record out of its directory', async () => {
    const recorded = await record();
    const changed = { ...recorded, bundle: { ...bundle, bytes: 1 }, inputs: recorded.inputs.map(([p, m, s], i) => [p, i === 0 ? m - 1 : m, s]) };
    await writeFile(join(outDir, 'agent-sources.json'), JSON.stringify(changed));
    expect(await inNewProcess(outDir)).toEqual(bundle);
    const elsewhere = { ...recorded, bundle: { ...bundle, dir: join(tmpdir(), `agent-${bundle.hash}`), bytes: 1 } };
    await writeFile(join(outDir, 'agent-sources.json'), JSON.stringify(elsewhere));
    expect(await inNewProcess(outDir)).toEqual(bundle);
  });
});
