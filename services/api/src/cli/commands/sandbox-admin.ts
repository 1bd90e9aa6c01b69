import type { Sandbox, SandboxKilled, SandboxPage, WarmPoolSummary } from '@remit/core';
import { apiFromOptions, segment, type ApiClient } from '../api-client.ts';
import type { CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printTable } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

/** Whom a sandbox serves, in a few words: its run and the run's status, the local process that owns it, or no run yet (a warm-pool one). */
function servesWhat(s: Sandbox): string {
  if (s.pool?.state === 'warm') return 'no run yet (ready)';
  if (s.pool?.state === 'starting') return 'no run yet (starting)';
  // An ECS pool's owner is on another machine (pid 0).
  if (s.pool) return s.owner?.pid ? `another pool (pid ${s.owner.pid}${s.owner.running ? '' : ', gone'})` : 'another worker’s pool';
  if (s.owner) return `remit sandbox exec (pid ${s.owner.pid}${s.owner.running ? '' : ', gone'})`;
  return s.run ? `run ${s.run.id} (${s.run.status ?? 'no such run'})` : '-';
}

/** A server older than the pool report sends no `pool`. */
type ListedPage = Omit<SandboxPage, 'pool'> & Partial<Pick<SandboxPage, 'pool'>>;

/** Every sandbox, page after page, and the server's warm pool as the first page reports it. */
async function everySandbox(client: ApiClient): Promise<{ sandboxes: Sandbox[]; pool: WarmPoolSummary | null | undefined }> {
  const first = await client.get<ListedPage>('/v1/admin/sandboxes', { limit: '500' });
  const sandboxes = [...first.items];
  for (let cursor = first.nextCursor; cursor;) {
    const next = await client.get<ListedPage>('/v1/admin/sandboxes', { limit: '500', cursor });
    sandboxes.push(...next.items);
    cursor = next.nextCursor;
  }
  return { sandboxes, pool: first.pool };
}

function poolLine(pool: WarmPoolSummary | null): string {
  if (!pool) return 'warm pool: none on this server (REMIT_SANDBOX_WARM_POOL_SIZE=0)';
  const { memoryMb, maxProcesses, cpuSeconds } = pool.limits;
  return `warm pool: ${pool.ready} of ${pool.size} ready, ${pool.starting} starting (${memoryMb} MB, ${maxProcesses} processes, ${cpuSeconds} s CPU each)`;
}

/** `remit sandbox list` (admins): every live sandbox of the server's driver, then its warm pool; `--json` prints the sandboxes alone. */
export async function listSandboxes(ctx: CommandContext, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const { sandboxes, pool } = await everySandbox(client);
  if (opts.json) printJson(sandboxes);
  else {
    const style = styleFor(process.stdout);
    printTable(
      ['ID', 'KIND', 'STARTED', 'ALIVE', 'SERVES'],
      sandboxes.map((s) => [s.id, s.pool ? 'warm pool' : s.kind, s.startedAt, s.alive ? 'yes' : 'no', servesWhat(s)]),
      style,
    );
    if (pool !== undefined) process.stdout.write(`${style.dim(poolLine(pool))}\n`);
  }
  return ExitCode.ok;
}

/** `remit sandbox kill ID` (admins): a run the sandbox still serves is cancelled first. */
export async function killSandbox(ctx: CommandContext, id: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const killed = await client.delete<SandboxKilled>(`/v1/admin/sandboxes/${segment(id)}`);
  if (opts.json) printJson(killed);
  else {
    const run = killed.run ? `; run ${killed.run.id} ${killed.run.status}` : killed.pool ? '; it left the warm pool, which starts another' : '';
    process.stdout.write(`sandbox ${escapeForTerminal(killed.id)} killed${escapeForTerminal(run)}\n`);
  }
  return ExitCode.ok;
}
