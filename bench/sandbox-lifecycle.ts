/**
 * How long a local sandbox takes, against bare bubblewrap measured in the same run:
 *
 *   node --import tsx bench/sandbox-lifecycle.ts [--runs 50]
 *
 * (a) time to ready: driver.create → the agent authenticated (the session's readyMs);
 * (b) create → `exec true` → destroy: openSandboxSession, one call, close();
 * baseline: `bwrap <the same isolation flags> true`, spawned from Node the same way.
 * Also the agent's own start on the host (node + the bundle, no sandbox) against `node` alone.
 * The goal is a p50 for (b) under 100 ms. Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BWRAP_ISOLATION_FLAGS, bundleAgent, createLocalDriver, openSandboxSession } from '@remit/sandbox';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 50 : Number(process.argv[runsFlag + 1]);
const WARMUP = 3;
const GOAL_MS = 100;

/** The least bwrap needs to exec /usr/bin/true: the same flags, /usr and its root symlinks. */
const BASELINE_ARGS = [
  ...BWRAP_ISOLATION_FLAGS,
  '--ro-bind',
  '/usr',
  '/usr',
  '--symlink',
  'usr/lib',
  '/lib',
  '--symlink',
  'usr/lib64',
  '/lib64',
  '--symlink',
  'usr/bin',
  '/bin',
  '--proc',
  '/proc',
  '--dev',
  '/dev',
  'true',
];

function run(command: string, args: string[], stdin?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: '/', env: {}, detached: true, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'] });
    child.stdin?.end(stdin);
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}

async function sample(times: number, measure: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await measure();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await measure());
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'remit-bench-sandbox-'));
  const driver = createLocalDriver({ stateDir });
  try {
    const agent = await bundleAgent(join(stateDir, 'image'));
    const readyTimes: number[] = [];
    // Interleave the measurements so background load on the machine hits all of them alike.
    const baseline: number[] = [];
    const nodeAlone: number[] = [];
    const nodeAgent: number[] = [];
    const cycle = await sample(RUNS, async () => {
      baseline.push(await run('/usr/bin/bwrap', BASELINE_ARGS));
      nodeAlone.push(await run(process.execPath, ['-e', '0']));
      // No token line and no channel: the agent loads, fails to connect and exits 1.
      nodeAgent.push(await run(process.execPath, [join(agent.dir, 'start.cjs'), join(stateDir, 'no-such.sock')], '\n'));
      const started = performance.now();
      const session = await openSandboxSession(driver, { runId: randomUUID() });
      try {
        const result = await session.call('exec', { command: ['true'] });
        if (!result.ok) throw new Error(`exec true failed: ${result.error.code}`);
      } finally {
        await session.close();
      }
      readyTimes.push(session.readyMs);
      return performance.now() - started;
    });
    const keep = (all: number[]) => all.slice(WARMUP).sort((a, b) => a - b);
    const base = keep(baseline);
    const rows: [string, number[]][] = [
      ['bwrap … true (baseline)', base],
      ['node -e 0 (host)', keep(nodeAlone)],
      [`node start.cjs (agent on host, ${Math.round(agent.bytes / 1024)} KB)`, keep(nodeAgent)],
      ['(a) create → agent authenticated', keep(readyTimes)],
      ['(b) create → exec true → destroy', cycle],
    ];
    const p50Base = percentile(base, 50);
    const p95Base = percentile(base, 95);
    console.log(
      `local sandbox lifecycle, ${RUNS} runs (+${WARMUP} warm-up), ${(await driver.limitEnforcement()).processes} / ${(await driver.limitEnforcement()).memory}`,
    );
    console.log(`${'measure'.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p50 ×'.padStart(7)} ${'p95 ×'.padStart(7)}`);
    for (const [name, samples] of rows) {
      const p50 = percentile(samples, 50);
      const p95 = percentile(samples, 95);
      console.log(
        `${name.padEnd(44)} ${p50.toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${(p50 / p50Base).toFixed(1).padStart(7)} ${(p95 / p95Base).toFixed(1).padStart(7)}`,
      );
    }
    const p50Cycle = percentile(cycle, 50);
    console.log(`goal: p50 create → exec → destroy under ${GOAL_MS} ms: ${p50Cycle < GOAL_MS ? 'met' : 'missed'} (${p50Cycle.toFixed(1)} ms)`);
  } finally {
    for (const sandbox of await driver.list()) await driver.destroy(sandbox.id);
    await rm(stateDir, { recursive: true, force: true });
  }
}

await main();
