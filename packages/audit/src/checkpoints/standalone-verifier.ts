import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/** tools/verify-checkpoint.mjs: the verifier a third party runs with plain Node and nothing of Remit's. */
export const STANDALONE_VERIFIER = resolve(import.meta.dirname, '../../../../tools/verify-checkpoint.mjs');

/** Runs the standalone verifier as a third party would, with an empty environment; its exit code and what it printed. */
export async function runStandaloneVerifier(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [STANDALONE_VERIFIER, ...args], { env: {} });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}
