import type { CredentialBundle } from '@remit/core';
import type { ProcessGroups } from './run-process.ts';
import type { Scrubber } from './scrubber.ts';

/** What every tool needs: where it may work, how to reach the egress proxy, what to scrub. */
export interface ToolContext {
  /** The real path of the workdir (/work in a sandbox). */
  workdir: string;
  egressSocketPath: string;
  bundle: CredentialBundle;
  scrubber: Scrubber;
  groups: ProcessGroups;
}

/** The only environment a tool's process sees: no orchestrator variable ever leaks in. */
export function toolEnvironment(ctx: ToolContext): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: ctx.workdir };
}
