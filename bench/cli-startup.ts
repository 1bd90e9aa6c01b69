/**
 * How fast `remit` starts, as whole processes, against Anthropic's sandbox runtime measured in
 * the same run:
 *
 *   node --import tsx bench/cli-startup.ts [--runs 20]
 *
 * Installs the peer (`@anthropic-ai/sandbox-runtime`, whose CLI is `srt`) with npm into a
 * temporary folder, with the ripgrep binary it needs on Linux from `@vscode/ripgrep` (npm ships
 * it per platform, so no system package is needed), then times, alternately in each round so
 * background load hits them alike: `remit --version`, `remit --help`, `remit sandbox exec --
 * true`, `srt -c true`, and the floors `bwrap … true` and `node -e 0`. Goals: --version and
 * --help under 150 ms; `sandbox exec -- true` at most 0.5× `srt -c true` (medians). If the peer
 * cannot be installed or run, says why and compares against the floors only. `sandbox exec` runs
 * the command as the sandbox's own process (packages/sandbox/src/direct-exec.ts: no agent, so
 * one node start, not two), and the three remit cases start from the lean bundle (bundle/launch.ts).
 * Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BWRAP_ISOLATION_FLAGS } from '@remit/sandbox';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 20 : Number(process.argv[runsFlag + 1]);
const HELP_GOAL_MS = 150;
const EXEC_GOAL_RATIO = 0.5;
const remit = fileURLToPath(new URL('../bin/remit', import.meta.url));

/** The least bwrap needs to exec /usr/bin/true (as in sandbox-lifecycle.ts). */
const BWRAP_TRUE = [
  ...BWRAP_ISOLATION_FLAGS,
  ...['--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin'],
  ...['--proc', '/proc', '--dev', '/dev', 'true'],
];

interface Case {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Wall time of one whole process, spawned the same way for every case. */
function time(c: Case): { ms: number; status: number | null; stderr: string } {
  const started = process.hrtime.bigint();
  const res = spawnSync(c.command, c.args, { cwd: c.cwd ?? '/', env: c.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.status, stderr: res.stderr ?? '' };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.9 * xs.length) - 1)]!;

/** Installs srt (and ripgrep) into `dir`; returns the case that runs it, or why it cannot run here. */
async function installPeer(dir: string): Promise<{ peer: Case } | { unavailable: string }> {
  writeFileSync(join(dir, 'package.json'), '{"private":true}');
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '@anthropic-ai/sandbox-runtime', '@vscode/ripgrep'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (npm.status !== 0) return { unavailable: `npm install failed: ${(npm.stderr || npm.error?.message || '').trim().split('\n')[0]}` };
  let rgDir: string;
  try {
    const rgModule = createRequire(join(dir, 'package.json')).resolve('@vscode/ripgrep');
    const { rgPath } = (await import(pathToFileURL(rgModule).href)) as { rgPath: string };
    rgDir = dirname(rgPath);
  } catch (err) {
    return { unavailable: `no ripgrep binary for ${process.platform}-${process.arch}: ${(err as Error).message}` };
  }
  // srt keeps its settings in the home directory; an empty one gives it its defaults.
  const home = join(dir, 'home');
  const env = { ...process.env, HOME: home, PATH: `${rgDir}${delimiter}${process.env.PATH ?? ''}` };
  mkdirSync(home);
  const peer: Case = { name: 'srt -c true (peer)', command: join(dir, 'node_modules', '.bin', 'srt'), args: ['-c', 'true'], env, cwd: home };
  const probe = time(peer);
  if (probe.status !== 0) return { unavailable: `srt -c true exits ${probe.status}: ${probe.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  return { peer };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-bench-cli-'));
  try {
    const installed = await installPeer(dir);
    const dataDir = join(dir, 'remit-data');
    const remitEnv = { ...process.env, REMIT_DATA_DIR: dataDir };
    const cases: Case[] = [
      { name: 'remit --version', command: remit, args: ['--version'], env: remitEnv },
      { name: 'remit --help', command: remit, args: ['--help'], env: remitEnv },
      { name: 'remit sandbox exec -- true', command: remit, args: ['sandbox', 'exec', '--', 'true'], env: remitEnv },
      ...('peer' in installed ? [installed.peer] : []),
      { name: 'bwrap … true (floor)', command: '/usr/bin/bwrap', args: BWRAP_TRUE },
      { name: 'node -e 0 (floor)', command: process.execPath, args: ['-e', '0'] },
    ];
    // Warm-up: the first runs build the CLI bundle (if a source changed) and its code caches.
    for (const c of cases) for (let i = 0; i < 2; i++) time(c);
    const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
    for (let round = 0; round < RUNS; round++) {
      for (const c of cases) {
        const { ms, status, stderr } = time(c);
        if (status !== 0) throw new Error(`${c.name} exited ${status}: ${stderr.trim()}`);
        samples.get(c.name)!.push(ms);
      }
    }
    const medians = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
    const nodeFloor = medians.get('node -e 0 (floor)')!;
    console.log(`remit start-up, whole processes, ${RUNS} rounds (+2 warm-up), cases alternating within each round`);
    console.log(`${'case'.padEnd(32)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'× node -e 0'.padStart(12)}`);
    for (const [name, xs] of samples) {
      console.log(
        `${name.padEnd(32)} ${medians.get(name)!.toFixed(1).padStart(10)} ${p90(xs).toFixed(1).padStart(8)} ${(medians.get(name)! / nodeFloor).toFixed(2).padStart(12)}`,
      );
    }
    for (const name of ['remit --version', 'remit --help']) {
      const ms = medians.get(name)!;
      console.log(`goal: ${name} under ${HELP_GOAL_MS} ms: ${ms < HELP_GOAL_MS ? 'met' : 'missed'} (${ms.toFixed(1)} ms)`);
    }
    const exec = medians.get('remit sandbox exec -- true')!;
    if ('peer' in installed) {
      const ratio = exec / medians.get(installed.peer.name)!;
      console.log(`goal: sandbox exec -- true at most ${EXEC_GOAL_RATIO}× srt -c true: ${ratio <= EXEC_GOAL_RATIO ? 'met' : 'missed'} (${ratio.toFixed(2)}×)`);
    } else {
      console.log(`peer not measured: ${installed.unavailable}; sandbox exec -- true is ${(exec / nodeFloor).toFixed(2)}× node -e 0`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
