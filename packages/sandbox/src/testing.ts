import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecInput, ExecOutput } from '@remit/core';
import { createLocalDriver, type LocalDriver, type LocalDriverOptions } from './local-driver.ts';
import { openSandboxSession, type SandboxSession, type SandboxSessionOptions } from './sandbox-session.ts';

/** Test-only helpers; not exported from the package. */

/** Content-addressed, so every test file shares one agent bundle and one ~100 MB node copy. */
export const TEST_IMAGE_DIR = join(tmpdir(), 'remit-test-sandbox-image');

export interface DriverFixture {
  driver: LocalDriver;
  stateDir: string;
  /** State files left in the state dir (the image dir is elsewhere). */
  stateFiles(): Promise<string[]>;
}

/** Runs `fn` with a local driver over a fresh state dir; always destroys whatever it left and removes the dir. */
export async function withLocalDriver<T>(fn: (fixture: DriverFixture) => Promise<T>, options: Partial<LocalDriverOptions> = {}): Promise<T> {
  const stateDir = await mkdtemp(join(tmpdir(), 'remit-sandbox-state-'));
  const driver = createLocalDriver({ stateDir, imageDir: TEST_IMAGE_DIR, ...options });
  try {
    return await fn({ driver, stateDir, stateFiles: async () => (await readdir(stateDir)).filter((name) => name.endsWith('.json')) });
  } finally {
    for (const sandbox of await driver.list()) await driver.destroy(sandbox.id);
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Runs `fn` with an open session (a fresh run id unless given); always closes it. */
export async function withSession<T>(
  options: Partial<SandboxSessionOptions>,
  fn: (session: SandboxSession, fixture: DriverFixture) => Promise<T>,
  driverOptions: Partial<LocalDriverOptions> = {},
): Promise<T> {
  return withLocalDriver(async (fixture) => {
    const session = await openSandboxSession(fixture.driver, { runId: randomUUID(), ...options });
    try {
      return await fn(session, fixture);
    } finally {
      await session.close();
    }
  }, driverOptions);
}

/** exec that must succeed at the protocol level; returns the command's output. */
export async function exec(session: SandboxSession, command: string[], options: Partial<ExecInput> = {}): Promise<ExecOutput> {
  const result = await session.call('exec', { command, ...options });
  if (!result.ok) throw new Error(`exec ${command[0] ?? ''} failed: ${result.error.code} ${result.error.message}`);
  return result.output;
}

/** A node one-liner run inside the sandbox. */
export function nodeScript(session: SandboxSession, script: string, options: Partial<ExecInput> = {}): Promise<ExecOutput> {
  return exec(session, ['node', '-e', script], options);
}
