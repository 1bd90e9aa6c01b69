import type { Binding, Connection, Role } from '@remit/core';
import { segment, type ApiClient } from '../api-client.ts';
import { CliError } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import type { Style } from '../terminal-style.ts';
import type { PlatformFile } from './platform-file.ts';
import { planApply, planSummary, type Plan, type PlannedChange, type ServerState } from './plan.ts';

const paths = { role: '/v1/admin/roles', connection: '/v1/admin/connections', binding: '/v1/admin/bindings' } as const;

export async function readServerState(client: ApiClient): Promise<ServerState> {
  const [roles, connections, bindings] = await Promise.all([
    client.list<Role>(paths.role),
    client.list<Connection>(paths.connection),
    client.list<Binding>(paths.binding),
  ]);
  return { roles, connections, bindings };
}

async function perform(client: ApiClient, change: PlannedChange): Promise<void> {
  if (change.action === 'create') await client.post(paths[change.kind], change.body);
  else if (change.action === 'update') await client.patch(`${paths[change.kind]}/${segment(change.name)}`, change.body);
}

/**
 * Makes the server match `platform`: reads what is there, plans, and unless `dryRun` applies
 * the plan one change at a time in dependency order (each change is one audited transaction on
 * the server). A change that fails stops the rest; what was applied before it stays, and
 * applying the file again picks up from there. `onApplied` hears of each change once made.
 */
export async function applyPlatform(
  client: ApiClient,
  platform: PlatformFile,
  options: { dryRun: boolean; resendSecrets: boolean; env: NodeJS.ProcessEnv; onApplied?: (change: PlannedChange) => void },
): Promise<Plan> {
  const plan = planApply(platform, await readServerState(client), options);
  if (options.dryRun) return plan;
  let applied = 0;
  for (const change of plan.changes) {
    if (change.action === 'unchanged') continue;
    try {
      await perform(client, change);
    } catch (err) {
      const before = applied
        ? ` (${applied} change${applied === 1 ? '' : 's'} before it ${applied === 1 ? 'was' : 'were'} applied; apply the file again once this is fixed)`
        : '';
      throw new CliError('failed', `${change.action} ${change.kind} ${change.name}: ${(err as Error).message}${before}`, { cause: err });
    }
    applied++;
    options.onApplied?.(change);
  }
  return plan;
}

const show = (v: unknown) => escapeForTerminal(JSON.stringify(v));

/** One change as text: `+ role developer`, `~ connection payments-api` with a line per field, `= binding …`. */
export function renderChange(change: PlannedChange, style: Style): string {
  const name = `${change.kind} ${escapeForTerminal(change.name)}`;
  switch (change.action) {
    case 'create': {
      const what = change.kind === 'connection' ? ` (${change.body.type}${change.secretFrom ? `; secret: ${escapeForTerminal(change.secretFrom)}` : ''})` : '';
      return style.green(`+ ${name}${what}`);
    }
    case 'update':
      return [
        style.yellow(`~ ${name}`),
        ...change.fields.map((f) =>
          f.path === 'secret'
            ? `    secret: sent again (${escapeForTerminal(String(f.to))})`
            : `    ${escapeForTerminal(f.path)}: ${show(f.from)} → ${show(f.to)}`,
        ),
      ].join('\n');
    case 'unchanged':
      return style.dim(`= ${name}`);
  }
}

/** The plan's closing lines: counts, and what the server has that the file does not (left alone). */
export function renderSummary(plan: Plan, options: { dryRun: boolean; source: string }): string {
  const { create, update, unchanged } = planSummary(plan);
  const lines: string[] = [];
  if (create + update === 0) lines.push(`No changes: the server already matches ${escapeForTerminal(options.source)} (${unchanged} unchanged).`);
  else if (options.dryRun) lines.push(`Plan: ${create} to create, ${update} to change, ${unchanged} unchanged. Dry run: nothing was changed.`);
  else lines.push(`Applied: ${create} created, ${update} changed, ${unchanged} unchanged.`);
  const { roles, connections, bindings } = plan.notInFile;
  const extra = [
    roles.length ? `roles ${roles.map(escapeForTerminal).join(', ')}` : '',
    connections.length ? `connections ${connections.map(escapeForTerminal).join(', ')}` : '',
    bindings ? `${bindings} binding${bindings === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  if (extra.length) lines.push(`Not in the file, left alone: ${extra.join('; ')}.`);
  return lines.join('\n');
}

/** The plan as `--json` prints it: every change without request bodies (they may hold secrets). */
export function planJson(plan: Plan, dryRun: boolean): unknown {
  return {
    dryRun,
    changes: plan.changes.map((c) => ({
      kind: c.kind,
      name: c.name,
      action: c.action,
      ...(c.action === 'update' ? { fields: c.fields } : {}),
      ...('secretFrom' in c && c.secretFrom ? { secretFrom: c.secretFrom } : {}),
    })),
    summary: planSummary(plan),
    notInFile: plan.notInFile,
  };
}
