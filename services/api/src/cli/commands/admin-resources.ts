import { dirname, resolve } from 'node:path';
import type { Binding, Connection, Role } from '@remit/core';
import { apiFromOptions, segment } from '../api-client.ts';
import { bindingName } from '../apply/plan.ts';
import { parseBindingEntry, parseConnectionEntry, parseRoleEntry, readYaml, resolveSecrets } from '../apply/platform-file.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import type { ApiJsonOpts } from '../program.ts';
import { printJson, printRecord, printTable } from '../print.ts';
import { styleFor } from '../terminal-style.ts';

type Noun = 'roles' | 'connections' | 'bindings';
type Item = Role | Connection | Binding;

const csv = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
const subject = (b: Binding) => (b.subject.kind === 'group' ? `group ${b.subject.group}` : `user ${b.subject.email}`);
/** Where a connection points, whatever its type. */
const target = (c: Connection) => String(c.config.baseUrl ?? c.config.apiUrl ?? c.config.roleArn ?? '');

/** Columns of `list` and rows of `get`, per resource. */
const views: { [N in Noun]: { columns: string[]; row(item: never): string[]; record(item: never): [string, unknown][] } } = {
  roles: {
    columns: ['NAME', 'RUN KINDS', 'CONNECTIONS', 'MAX STEPS', 'MAX DURATION'],
    row: (r: Role) => [r.name, r.runKinds.join(','), r.connections.join(',') || '-', String(r.limits.maxSteps), `${r.limits.maxDurationSeconds} s`],
    record: (r: Role) => [
      ['name', r.name],
      ['id', r.id],
      ['description', r.description],
      ['run kinds', r.runKinds.join(', ')],
      ['connections', r.connections.join(', ') || '-'],
      ['limits', `${r.limits.maxSteps} steps, ${r.limits.maxDurationSeconds} s`],
      ['updated', r.updatedAt],
    ],
  },
  connections: {
    columns: ['NAME', 'TYPE', 'AUTH', 'TARGET', 'SECRET', 'VERIFIED'],
    row: (c: Connection) => [c.name, c.type, c.authMode, target(c), c.hasSecret ? 'stored' : '-', c.verifiedAt ?? 'never'],
    record: (c: Connection) => [
      ['name', c.name],
      ['id', c.id],
      ['type', c.type],
      ['description', c.description],
      ['auth', c.authMode],
      ['config', JSON.stringify(c.config)],
      ['secret', c.hasSecret ? 'stored (write-only)' : 'none'],
      ['verified', c.verifiedAt ?? 'never'],
      ['updated', c.updatedAt],
    ],
  },
  bindings: {
    columns: ['ID', 'ROLE', 'SUBJECT'],
    row: (b: Binding) => [b.id, b.role, subject(b)],
    record: (b: Binding) => [
      ['id', b.id],
      ['role', b.role],
      ['subject', subject(b)],
      ['created', b.createdAt],
    ],
  },
};

const path = (noun: Noun) => `/v1/admin/${noun}`;

export async function listResources(ctx: CommandContext, noun: Noun, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const items = await client.list<Item>(path(noun));
  if (opts.json) printJson(items);
  else
    printTable(
      views[noun].columns,
      items.map((i) => views[noun].row(i as never)),
      styleFor(process.stdout),
    );
  return ExitCode.ok;
}

export async function getResource(ctx: CommandContext, noun: Noun, ref: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const item = await client.get<Item>(`${path(noun)}/${segment(ref)}`);
  if (opts.json) printJson(item);
  else printRecord(views[noun].record(item as never), styleFor(process.stdout));
  return ExitCode.ok;
}

export async function deleteResource(ctx: CommandContext, noun: Noun, ref: string, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  await client.delete(`${path(noun)}/${segment(ref)}`);
  if (opts.json) printJson({ deleted: ref });
  else process.stderr.write(`deleted ${noun.slice(0, -1)} ${escapeForTerminal(ref)}\n`);
  return ExitCode.ok;
}

interface CreateOpts extends ApiJsonOpts {
  file?: string;
  name?: string;
  description?: string;
  connections?: string;
  runKinds?: string;
  maxSteps?: string;
  maxDuration?: string;
  role?: string;
  group?: string;
  user?: string;
}

/** The request body from `--file` (an entry as a platform file writes it) or from the flags. */
function createBody(noun: Noun, opts: CreateOpts): unknown {
  const env = process.env;
  if (opts.file) {
    const entry = readYaml(opts.file);
    const where = opts.file;
    if (noun === 'roles') return parseRoleEntry({ ...(entry as object), ...(opts.name ? { name: opts.name } : {}) }, where, env);
    if (noun === 'bindings') return parseBindingEntry(entry, where, env);
    const { connection, secret } = parseConnectionEntry(entry, where, env);
    const baseDir = opts.file === '-' ? process.cwd() : dirname(resolve(opts.file));
    return { ...connection, ...(secret ? { secret: resolveSecrets(secret, { where, env, baseDir }) } : {}) };
  }
  if (noun === 'roles') {
    if (!opts.name)
      throw new CliError('usage', 'give the role a name: remit roles create NAME --run-kinds troubleshoot [--connections a,b] (or --file role.yaml)');
    const limits = {
      ...(opts.maxSteps ? { maxSteps: Number(opts.maxSteps) } : {}),
      ...(opts.maxDuration ? { maxDurationSeconds: Number(opts.maxDuration) } : {}),
    };
    return parseRoleEntry(
      {
        name: opts.name,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.connections !== undefined ? { connections: csv(opts.connections) } : {}),
        runKinds: csv(opts.runKinds) ?? [],
        // A limit left out takes the API's default.
        ...(Object.keys(limits).length ? { limits } : {}),
      },
      'role',
      env,
    );
  }
  if (noun === 'bindings') {
    if (!opts.role || (opts.group === undefined) === (opts.user === undefined))
      throw new CliError('usage', 'usage: remit bindings create --role ROLE (--group GROUP | --user EMAIL)');
    return parseBindingEntry({ role: opts.role, ...(opts.group !== undefined ? { group: opts.group } : { user: opts.user }) }, 'binding', env);
  }
  throw new CliError('usage', 'connections take their configuration from a file: remit connections create -f connection.yaml (see examples/platform.yaml)');
}

export async function createResource(ctx: CommandContext, noun: Noun, opts: CreateOpts): Promise<number> {
  const body = createBody(noun, opts);
  const client = await apiFromOptions(opts, ctx.config);
  const item = await client.post<Item>(path(noun), body);
  if (opts.json) printJson(item);
  else process.stderr.write(`created ${noun.slice(0, -1)} ${escapeForTerminal(noun === 'bindings' ? bindingName(item as Binding) : (item as Role).name)}\n`);
  return ExitCode.ok;
}
