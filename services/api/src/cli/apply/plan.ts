import { isDeepStrictEqual } from 'node:util';
import type { Binding, BindingCreate, Connection, ConnectionCreate, ConnectionUpdate, Role, RoleCreate, RoleUpdate } from '@remit/core';
import { CliError } from '../command-context.ts';
import { describeSecretRefs, resolveSecrets, type PlatformFile } from './platform-file.ts';

/** What the server holds now, as the admin API lists it. */
export interface ServerState {
  roles: Role[];
  connections: Connection[];
  bindings: Binding[];
}

/** One field that differs: where, what the server has, what the file wants. Never a secret value. */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

export type PlannedChange =
  | { kind: 'connection'; name: string; action: 'create'; body: ConnectionCreate; secretFrom: string | undefined }
  | { kind: 'connection'; name: string; action: 'update'; body: ConnectionUpdate; fields: FieldChange[]; secretFrom: string | undefined }
  | { kind: 'role'; name: string; action: 'create'; body: RoleCreate }
  | { kind: 'role'; name: string; action: 'update'; body: RoleUpdate; fields: FieldChange[] }
  | { kind: 'binding'; name: string; action: 'create'; body: BindingCreate }
  | { kind: 'connection' | 'role' | 'binding'; name: string; action: 'unchanged' };

export interface Plan {
  /** In the order they must happen: connections before the roles that name them, roles before their bindings. */
  changes: PlannedChange[];
  /** Resources on the server the file does not mention; apply leaves them alone. */
  notInFile: { roles: string[]; connections: string[]; bindings: number };
}

/** Paths where `to` differs from `from`, recursing into objects; arrays and scalars compare whole. */
export function diffFields(from: unknown, to: unknown, path = ''): FieldChange[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((k) => diffFields(from[k], to[k], path ? `${path}.${k}` : k));
  }
  return isDeepStrictEqual(from ?? null, to ?? null) ? [] : [{ path, from: from ?? null, to: to ?? null }];
}

const sorted = (values: readonly string[]) => [...values].sort();

function planRole(desired: RoleCreate, current: Role | undefined): PlannedChange {
  if (!current) return { kind: 'role', name: desired.name, action: 'create', body: desired };
  // Which connections and run kinds a role has is a set: the order in the file means nothing.
  const have = { description: current.description, connections: sorted(current.connections), runKinds: sorted(current.runKinds), limits: current.limits };
  const want = { description: desired.description, connections: sorted(desired.connections), runKinds: sorted(desired.runKinds), limits: desired.limits };
  const fields = diffFields(have, want);
  if (fields.length === 0) return { kind: 'role', name: desired.name, action: 'unchanged' };
  const body: RoleUpdate = {};
  for (const key of ['description', 'connections', 'runKinds', 'limits'] as const)
    if (!isDeepStrictEqual(have[key], want[key])) Object.assign(body, { [key]: desired[key] });
  return { kind: 'role', name: desired.name, action: 'update', body, fields };
}

function planConnection(
  entry: PlatformFile['connections'][number],
  current: Connection | undefined,
  options: { platform: PlatformFile; env: NodeJS.ProcessEnv; resendSecrets: boolean },
): PlannedChange {
  const desired = entry.connection;
  const where = `connections[${desired.name}]`;
  const secretFrom = entry.secret ? describeSecretRefs(entry.secret) : undefined;
  // Resolved only when it will be sent, so an unchanged connection needs no secret at hand.
  const secret = () => (entry.secret ? resolveSecrets(entry.secret, { where, env: options.env, baseDir: options.platform.baseDir }) : undefined);
  if (!current) {
    const value = secret();
    return { kind: 'connection', name: desired.name, action: 'create', body: { ...desired, ...(value ? { secret: value } : {}) }, secretFrom };
  }
  if (current.type !== desired.type)
    throw new CliError(
      'usage',
      `${where}: is a ${current.type} connection on the server and ${desired.type} in the file; a type cannot change: delete it first`,
    );
  const have = { description: current.description, authMode: current.authMode, config: current.config, oauth: current.oauth ?? null };
  // OAuth settings the file leaves out are left as they are: the API has no way to remove them.
  const want = { description: desired.description, authMode: desired.authMode, config: desired.config, oauth: desired.oauth ?? have.oauth };
  const fields = diffFields(have, want);
  const body: ConnectionUpdate = {};
  for (const key of ['description', 'authMode', 'config', 'oauth'] as const)
    if (!isDeepStrictEqual(have[key], want[key])) Object.assign(body, { [key]: want[key] });
  // Secrets are write-only, so whether the stored one matches cannot be known: it is sent when
  // the connection has none, when its destination may change (the API insists), and on request.
  const sendSecret = entry.secret !== undefined && (!current.hasSecret || body.config !== undefined || body.authMode !== undefined || options.resendSecrets);
  if (sendSecret) {
    body.secret = secret();
    fields.push({ path: 'secret', from: current.hasSecret ? 'stored' : 'none', to: secretFrom });
  }
  if (fields.length === 0) return { kind: 'connection', name: desired.name, action: 'unchanged' };
  return { kind: 'connection', name: desired.name, action: 'update', body, fields, secretFrom };
}

const bindingKey = (b: BindingCreate | Binding) =>
  `${b.role}\u0000${b.subject.kind === 'group' ? `group:${b.subject.group}` : `user:${b.subject.email.toLowerCase()}`}`;

export function bindingName(b: BindingCreate | Binding): string {
  return `${b.role} ← ${b.subject.kind === 'group' ? `group ${b.subject.group}` : `user ${b.subject.email}`}`;
}

/** What applying `platform` to `state` would change, without changing anything. */
export function planApply(platform: PlatformFile, state: ServerState, options: { env: NodeJS.ProcessEnv; resendSecrets: boolean }): Plan {
  const connections = new Map(state.connections.map((c) => [c.name, c]));
  const roles = new Map(state.roles.map((r) => [r.name, r]));
  const bound = new Set(state.bindings.map(bindingKey));
  const wanted = new Set(platform.bindings.map(bindingKey));
  const changes: PlannedChange[] = [
    ...platform.connections.map((c) => planConnection(c, connections.get(c.connection.name), { platform, ...options })),
    ...platform.roles.map((r) => planRole(r, roles.get(r.name))),
    ...platform.bindings.map((b): PlannedChange =>
      bound.has(bindingKey(b))
        ? { kind: 'binding', name: bindingName(b), action: 'unchanged' }
        : { kind: 'binding', name: bindingName(b), action: 'create', body: b },
    ),
  ];
  const named = { roles: new Set(platform.roles.map((r) => r.name)), connections: new Set(platform.connections.map((c) => c.connection.name)) };
  return {
    changes,
    notInFile: {
      roles: state.roles.map((r) => r.name).filter((n) => !named.roles.has(n)),
      connections: state.connections.map((c) => c.name).filter((n) => !named.connections.has(n)),
      bindings: state.bindings.filter((b) => !wanted.has(bindingKey(b))).length,
    },
  };
}

export function planSummary(plan: Plan): { create: number; update: number; unchanged: number } {
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  return { create: count('create'), update: count('update'), unchanged: count('unchanged') };
}
