/**
 * The agent loop's own overhead per tool call: the scripted model (a fake, near-free) asking
 * for N `read_file` calls, run through runAgentLoop against a real bubblewrap sandbox, against
 * a baseline measured in the same run: the same N calls sent straight over the same channel.
 *
 *   node --import tsx bench/loop-overhead.ts [--calls 300]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { buildToolCatalog, runAgentLoop } from '@remit/agents';
import type { ToolName } from '@remit/core';
import { createScriptedProvider } from '@remit/models';
import { createLocalDriver, openSandboxSession } from '@remit/sandbox';

const i = process.argv.indexOf('--calls');
const CALLS = i === -1 ? 300 : Number(process.argv[i + 1]);

const stateDir = await mkdtemp(join(tmpdir(), 'remit-bench-loop-'));
const driver = createLocalDriver({ stateDir });
const session = await openSandboxSession(driver, { runId: randomUUID() });
try {
  await session.call('exec', { command: ['sh', '-c', 'echo hello > f'] });
  const readFile = () => session.call('read_file', { path: 'f' });
  for (let k = 0; k < 20; k++) await readFile(); // warm-up

  let started = performance.now();
  for (let k = 0; k < CALLS; k++) await readFile();
  const bareMs = performance.now() - started;

  const script = [...Array.from({ length: CALLS }, () => ({ toolCalls: [{ name: 'read_file', input: { path: 'f' } }] })), { text: 'done' }];
  const events: unknown[] = [];
  started = performance.now();
  const outcome = await runAgentLoop({
    model: createScriptedProvider(script, { name: 'bench' }),
    system: 'bench',
    input: 'read f repeatedly',
    catalog: buildToolCatalog([]),
    // The catalog above offers sandbox tools only (no graph_query), so every call goes to the sandbox.
    executor: { call: (tool, input, signal) => session.call(tool as ToolName, input as never, { signal }) },
    sink: { event: async (type, data) => void events.push({ type, data }) },
    maxSteps: CALLS + 1,
    signal: new AbortController().signal,
    scrub: (t) => t,
  });
  const loopMs = performance.now() - started;
  if (outcome.status !== 'succeeded') throw new Error(`loop ended ${outcome.status}`);

  const per = (ms: number) => (ms / CALLS).toFixed(3);
  console.log(`agent loop overhead · ${CALLS} tool calls · bubblewrap sandbox · node ${process.version}\n`);
  console.log(`${'measure'.padEnd(52)}${'ms per call'.padStart(12)}`);
  console.log(`${'baseline: read_file straight over the channel'.padEnd(52)}${per(bareMs).padStart(12)}`);
  console.log(`${'runAgentLoop: scripted model + same read_file'.padEnd(52)}${per(loopMs).padStart(12)}`);
  console.log(`${'loop overhead per call'.padEnd(52)}${per(loopMs - bareMs).padStart(12)}`);
  console.log(`${'ratio loop / bare round trip'.padEnd(52)}${`${(loopMs / bareMs).toFixed(2)}x`.padStart(12)}`);
  console.log('(the loop here keeps events in memory; the worker also writes each one to Postgres)');
} finally {
  await session.close();
  await rm(stateDir, { recursive: true, force: true });
}
