/**
 * Knowledge-graph indexing on real third-party code: the TypeScript and JavaScript of five
 * packages in the workspace's own node_modules (zod's and ajv's sources, eslint's lib, hono's
 * and graphql's published files; @remit/graph/testing names them), ~1,800 files and ~9.7 MB.
 *
 *   node --import tsx bench/graph-index.ts [--runs N]
 *
 * Prints, against baselines measured in the same run (walking, reading and hashing every file;
 * tree-sitter parsing every file and nothing else): full indexing in files/s (goal >= 400), and
 * an incremental re-index after changing 10 files in ms (goal < 1 s). CPU time is printed beside
 * wall time: on a shared machine the wall clock also counts other processes' turns.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { indexRepository, type GraphSnapshot } from '@remit/graph';
import { copyThirdPartyCorpus } from '@remit/graph/testing';
// The parsers the indexer itself uses, loaded once per process: the parse-only baseline shares them.
import { loadLanguages } from '../packages/graph/src/grammars.ts';
import { walkRepository } from '../packages/graph/src/walk-repository.ts';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 5 : Number(process.argv[runsFlag + 1]);
const CHANGED_FILES = 10;
const GOAL_FILES_PER_S = 400;
const GOAL_INCREMENTAL_MS = 1000;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed<T>(work: () => Promise<T> | T): Promise<{ result: T } & Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { result, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const medianTiming = (timings: Timing[]): Timing => ({ wallMs: median(timings.map((t) => t.wallMs)), cpuMs: median(timings.map((t) => t.cpuMs)) });

const corpus = copyThirdPartyCorpus();
try {
  const load = await timed(() => loadLanguages());
  const languages = load.result;
  const files = walkRepository(corpus.root, Number.MAX_SAFE_INTEGER);
  const bytes = files.reduce((sum, file) => sum + readFileSync(join(corpus.root, file.path)).length, 0);
  const index = (previous?: GraphSnapshot) =>
    indexRepository({ root: corpus.root, repository: 'bench/corpus', commit: 'worktree', ...(previous ? { previous } : {}) });
  await index(); // warm: V8 compiles the indexer

  const read: Timing[] = [];
  const parse: Timing[] = [];
  const full: Timing[] = [];
  let snapshot: GraphSnapshot | undefined;
  for (let run = 0; run < RUNS; run++) {
    read.push(
      await timed(() => {
        for (const file of walkRepository(corpus.root, Number.MAX_SAFE_INTEGER))
          createHash('sha256')
            .update(readFileSync(join(corpus.root, file.path)))
            .digest('hex');
      }),
    );
    parse.push(
      await timed(() => {
        for (const file of files)
          languages
            .get(file.spec.language)!
            .parser.parse(readFileSync(join(corpus.root, file.path), 'utf8'))
            ?.delete();
      }),
    );
    const indexed = await timed(() => index());
    full.push(indexed);
    snapshot = indexed.result;
  }

  // Each run appends a function to 10 files spread over the corpus, then re-indexes against the previous graph.
  const incremental: Timing[] = [];
  const step = Math.floor(files.length / CHANGED_FILES);
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < CHANGED_FILES; i++)
      appendFileSync(join(corpus.root, files[i * step]!.path), `\nexport function benchChange${run}(value) { return value + ${run}; }\n`);
    const indexed = await timed(() => index(snapshot));
    incremental.push(indexed);
    snapshot = indexed.result;
  }

  const fullMedian = medianTiming(full);
  const readMedian = medianTiming(read);
  const parseMedian = medianTiming(parse);
  const incrementalMedian = medianTiming(incremental);
  const perSecond = (ms: number) => Math.round((files.length / ms) * 1000);
  const row = (name: string, t: Timing, note = '') =>
    `${name.padEnd(30)} ${t.wallMs.toFixed(0).padStart(7)} ${t.cpuMs.toFixed(0).padStart(7)} ${String(perSecond(t.wallMs)).padStart(8)} ${String(perSecond(t.cpuMs)).padStart(8)}  ${note}\n`;
  const s = snapshot!;
  process.stdout.write(`graph indexing: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB of third-party TS/JS; median of ${RUNS} runs\n`);
  process.stdout.write(
    `graph: ${s.symbols.length} symbols, ${s.edges.length} edges, ${s.facts.length} facts, ${(JSON.stringify(s).length / 1e6).toFixed(1)} MB as JSON\n`,
  );
  process.stdout.write(`runtime and grammars loaded once per process: ${load.wallMs.toFixed(0)} ms\n`);
  process.stdout.write(`${''.padEnd(30)} ${'wall ms'.padStart(7)} ${'cpu ms'.padStart(7)} ${'files/s'.padStart(8)} ${'(cpu)'.padStart(8)}\n`);
  process.stdout.write(row('read + sha256 (baseline)', readMedian));
  process.stdout.write(row('parse only (baseline)', parseMedian));
  process.stdout.write(
    row(
      'full index',
      fullMedian,
      `${(fullMedian.cpuMs / parseMedian.cpuMs).toFixed(2)}x parse-only CPU, ${(fullMedian.cpuMs / readMedian.cpuMs).toFixed(1)}x reading CPU`,
    ),
  );
  process.stdout.write(
    `incremental, ${CHANGED_FILES} files changed: ${incrementalMedian.wallMs.toFixed(0)} ms wall, ${incrementalMedian.cpuMs.toFixed(0)} ms CPU (${(incrementalMedian.wallMs / fullMedian.wallMs).toFixed(3)} of a full index)\n`,
  );
  const fullMet = perSecond(fullMedian.wallMs) >= GOAL_FILES_PER_S;
  const incrementalMet = incrementalMedian.wallMs < GOAL_INCREMENTAL_MS;
  process.stdout.write(
    `goals: full >= ${GOAL_FILES_PER_S} files/s: ${fullMet ? 'met' : `MISSED on wall time (${perSecond(fullMedian.cpuMs) >= GOAL_FILES_PER_S ? 'met' : 'missed'} on CPU time)`}; incremental < ${GOAL_INCREMENTAL_MS} ms: ${incrementalMet ? 'met' : 'MISSED'}\n`,
  );
} finally {
  corpus.remove();
}
