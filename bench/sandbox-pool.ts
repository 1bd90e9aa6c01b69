/**
 * What a warm pool saves, against a cold start measured in the same run:
 *
 *   node --import tsx bench/sandbox-pool.ts [--runs 20]
 *
 * local: openSandboxSession's readyMs (create → the agent authenticated) on a cold bubblewrap
 *   sandbox (baseline) and on a warm claim from a pool of one (goal: p50 under 10 ms);
 * ecs: the same through the real sandbox gateway, tunnel and agent, with ECS played by a FAKE
 *   (aws-sdk-client-mock behind the real client; each task is the tunnel and agent as local
 *   processes on loopback): a cold RunTask (baseline) and a warm claim (goal: p50 under 300 ms).
 * The pool refills between samples, outside the timing. Prints figures; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalDriver, createWarmPool, openSandboxSession, type SandboxDriver, type WarmPool } from '@remit/sandbox';
import { processBackedEcs, withEcsDriver } from '../packages/sandbox/src/ecs-testing.ts';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 20 : Number(process.argv[runsFlag + 1]);
const WARMUP = 2;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function readyMs(driver: SandboxDriver): Promise<number> {
  const session = await openSandboxSession(driver, { runId: randomUUID() });
  const ms = session.readyMs;
  const result = await session.call('exec', { command: ['true'] });
  await session.close();
  if (!result.ok) throw new Error(`exec true failed: ${result.error.code}`);
  return ms;
}

/** Cold and warm samples interleaved, so background load on the machine hits both alike. */
async function measure(cold: SandboxDriver, pool: WarmPool): Promise<{ cold: number[]; warm: number[] }> {
  const samples = { cold: [] as number[], warm: [] as number[] };
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const c = await readyMs(cold);
    await pool.filled();
    const w = await readyMs(pool);
    if (i >= WARMUP) {
      samples.cold.push(c);
      samples.warm.push(w);
    }
  }
  samples.cold.sort((a, b) => a - b);
  samples.warm.sort((a, b) => a - b);
  return samples;
}

function print(title: string, { cold, warm }: { cold: number[]; warm: number[] }, goalMs: number): void {
  console.log(title);
  console.log(`${'measure'.padEnd(36)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p50 ×'.padStart(7)}`);
  const base = percentile(cold, 50);
  for (const [name, samples] of [
    ['cold create → ready (baseline)', cold],
    ['warm claim → ready', warm],
  ] as const) {
    const p50 = percentile(samples, 50);
    console.log(`${name.padEnd(36)} ${p50.toFixed(1).padStart(8)} ${percentile(samples, 95).toFixed(1).padStart(8)} ${(p50 / base).toFixed(2).padStart(7)}`);
  }
  const p50 = percentile(warm, 50);
  console.log(`goal: warm p50 under ${goalMs} ms: ${p50 < goalMs ? 'met' : 'missed'} (${p50.toFixed(1)} ms)\n`);
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'remit-bench-pool-'));
  const local = createLocalDriver({ stateDir });
  const localPool = createWarmPool(local, { size: 1 });
  try {
    print(`local sandbox, ${RUNS} runs (+${WARMUP} warm-up)`, await measure(local, localPool), 10);
  } finally {
    await localPool.close();
    for (const sandbox of await local.list()) await local.destroy(sandbox.id);
    await rm(stateDir, { recursive: true, force: true });
  }

  const fake = await processBackedEcs();
  try {
    await withEcsDriver(fake, async (ecs) => {
      const ecsPool = createWarmPool(ecs, { size: 1 });
      try {
        print(`ecs sandbox (FAKE ECS, real gateway + tunnel + agent on loopback), ${RUNS} runs (+${WARMUP} warm-up)`, await measure(ecs, ecsPool), 300);
      } finally {
        await ecsPool.close();
      }
    });
  } finally {
    await fake.cleanup();
  }
}

await main();
