import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Starts the bundled agent (agent.js beside this file, CommonJS) from V8's code cache
 * (agent.cache), written at bundle time by `start.cjs --write-code-cache` with the same node.
 * Measured on a 2-core machine: node + agent 71 ms as one ESM file, 51 ms this way; most of
 * the difference is compiling zod. A cache V8 rejects (another node version) only costs that
 * time back. Node 20 has no code cache for ES modules, hence CommonJS.
 */
interface AgentModule {
  startAgent(argv: string[]): void;
  warmUp(): void;
}

// This file is bundled as CommonJS, where __dirname is the directory of start.cjs.
const codePath = join(__dirname, 'agent.js');
const cachePath = join(__dirname, 'agent.cache');
const writeCache = process.argv[2] === '--write-code-cache';

let cachedData: Buffer | undefined;
if (!writeCache) {
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // No cache: compile from source.
  }
}
const script = new Script(`(function (exports, require, module) {${readFileSync(codePath, 'utf8')}\n})`, { filename: codePath, cachedData });
const agentModule = { exports: {} as AgentModule };
(script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object) => void)(agentModule.exports, createRequire(codePath), agentModule);

if (writeCache) {
  agentModule.exports.warmUp();
  writeFileSync(cachePath, script.createCachedData());
} else {
  agentModule.exports.startAgent(process.argv.slice(2));
}
