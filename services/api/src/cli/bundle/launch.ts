import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { ExitCode } from '../exit-codes.ts';

/**
 * The command modules lean.cjs keeps (as program.ts imports them); see usesLeanBundle and
 * bundle-cli.ts.
 */
export const LEAN_COMMAND_MODULES = ['./commands/sandbox-exec.ts'];

/**
 * Whether lean.cjs serves this command line: no command at all (`--version`, `--help`), `help`,
 * and `sandbox exec`, whose start-up is a goal of its own (bench/cli-startup.ts). Every other
 * command line starts from main.cjs. (No option of `remit` itself takes a value, so the first
 * word that is not an option is the command.)
 */
export function usesLeanBundle(argv: readonly string[]): boolean {
  const words = argv.filter((word) => !word.startsWith('-'));
  return words.length === 0 || words[0] === 'help' || (words[0] === 'sandbox' && words[1] === 'exec');
}

/**
 * Runs the bundled CLI (main.cjs, or lean.cjs when usesLeanBundle; beside this file once
 * bundled) from a V8 code cache, as the sandbox agent does: compiling the 1.5 MB bundle costs
 * ~35 ms, loading its cache ~10 ms (measured), and node 20 has no compile cache for modules
 * (module.enableCompileCache is 22+). A cache holds the functions that ran before it was
 * written, so each command keeps its own, written when its first run ends (and again if V8
 * rejects it, after a node upgrade).
 */
export function launch(dir: string, argv: readonly string[]): void {
  const bundle = usesLeanBundle(argv) ? 'lean' : 'main';
  const file = join(dir, `${bundle}.cjs`);
  const command = argv.find((word) => !word.startsWith('-'));
  // A typo still gets a name here, but a usage error never writes its cache (below).
  const cacheFile = join(dir, `${bundle}.${command !== undefined && /^[a-z][a-z-]{0,30}$/.test(command) ? command : 'default'}.cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // the first run of this command
  }
  // The wrapper CommonJS gives a module, on one line so line numbers in stack traces hold.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code === ExitCode.usage) return;
      try {
        const temp = `${cacheFile}.${randomBytes(4).toString('hex')}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        // A read-only cache directory: the next run compiles again, which is only slower.
      }
    });
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, dir);
}
