import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BindingCreate, ConnectionCreate, ConnectionSecret, RoleCreate } from '@remit/core';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { CliError } from '../command-context.ts';

/**
 * A platform file (`remit apply -f`): the roles, connections and bindings an org should have, in
 * the shapes the admin API takes (RoleCreate, ConnectionCreate, BindingCreate from @remit/core),
 * with two differences. Secrets are never written in the file, only where to read them:
 * `secret: { token: { fromEnv: PAYMENTS_TOKEN } }` or `{ fromFile: ./payments.token }`. And a
 * binding is written `{ role, group }` or `{ role, user }`. Non-secret strings may name an
 * environment variable, `${NAME}` or `${NAME:-default}` (`$$` is a literal `$`), so one file
 * serves every environment.
 */

const SecretRef = z.union([
  z.object({ fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ fromFile: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRef>;

const inlineSecretMessage = 'secrets are never written in the file: use { fromEnv: NAME } or { fromFile: PATH }';

const SecretRefs = z.partialRecord(
  ConnectionSecret.keyof(),
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value === 'string' || typeof value === 'number') ctx.addIssue({ code: 'custom', message: inlineSecretMessage });
    })
    .pipe(SecretRef),
);
export type SecretRefs = z.infer<typeof SecretRefs>;

export interface ConnectionEntry {
  connection: ConnectionCreate;
  secret: SecretRefs | undefined;
}

const BindingEntry = z
  .union([z.object({ role: z.string(), group: z.string() }).strict(), z.object({ role: z.string(), user: z.string() }).strict()])
  .transform((b): z.input<typeof BindingCreate> =>
    'group' in b ? { role: b.role, subject: { kind: 'group', group: b.group } } : { role: b.role, subject: { kind: 'user', email: b.user } },
  )
  .pipe(BindingCreate);

const PlatformFileShape = z
  .object({
    roles: z.array(z.unknown()).default([]),
    connections: z.array(z.unknown()).default([]),
    bindings: z.array(z.unknown()).default([]),
  })
  .strict();

export interface PlatformFile {
  /** For messages: the file as the user named it. */
  source: string;
  /** Where `fromFile` paths are relative to. */
  baseDir: string;
  roles: RoleCreate[];
  connections: ConnectionEntry[];
  bindings: BindingCreate[];
}

function issuesText(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`).join('; ');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError('usage', issuesText(parsed.error, where));
  return parsed.data;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${NAME}` and `${NAME:-default}` in every string of `value` but those under `secret`. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof value === 'string')
    return value.replace(VARIABLE, (whole: string, name: string | undefined, fallback: string | undefined) => {
      if (whole === '$$') return '$';
      const set = env[name!];
      if (set !== undefined && set !== '') return set;
      if (fallback !== undefined) return fallback;
      throw new CliError('usage', `${where}: environment variable ${name} is not set, and "${whole}" gives no default (write \${${name}:-default})`);
    });
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${where}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'secret' ? v : interpolate(v, env, `${where}.${k}`)]));
  return value;
}

function nameOf(entry: unknown, fallback: string): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : fallback;
}

export function parseRoleEntry(entry: unknown, where: string, env: NodeJS.ProcessEnv): RoleCreate {
  return parseWith(RoleCreate, interpolate(entry, env, where), where);
}

export function parseConnectionEntry(entry: unknown, where: string, env: NodeJS.ProcessEnv): ConnectionEntry {
  const raw = interpolate(entry, env, where);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CliError('usage', `${where}: expected a connection (name, type, config, …)`);
  const { secret, ...rest } = raw as Record<string, unknown>;
  return {
    connection: parseWith(ConnectionCreate, rest, where),
    secret: secret === undefined ? undefined : parseWith(SecretRefs, secret, `${where}.secret`),
  };
}

export function parseBindingEntry(entry: unknown, where: string, env: NodeJS.ProcessEnv): BindingCreate {
  return parseWith(BindingEntry, interpolate(entry, env, where), where);
}

/** Reads YAML (or JSON, which is YAML) from a file, or from stdin for `-`. */
export function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError('usage', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new CliError('usage', `${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() as unknown;
}

/** Reads and checks a platform file; every problem names where it is (`connections[payments-api].config.baseUrl: …`). */
export function loadPlatformFile(file: string, env: NodeJS.ProcessEnv = process.env): PlatformFile {
  const shape = parseWith(PlatformFileShape, readYaml(file) ?? {}, '');
  const platform: PlatformFile = {
    source: file,
    baseDir: file === '-' ? process.cwd() : dirname(resolve(file)),
    roles: shape.roles.map((r, i) => parseRoleEntry(r, `roles[${nameOf(r, String(i))}]`, env)),
    connections: shape.connections.map((c, i) => parseConnectionEntry(c, `connections[${nameOf(c, String(i))}]`, env)),
    bindings: shape.bindings.map((b, i) => parseBindingEntry(b, `bindings[${i}]`, env)),
  };
  for (const kind of ['roles', 'connections'] as const) {
    const names = (kind === 'roles' ? platform.roles : platform.connections.map((c) => c.connection)).map((x) => x.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new CliError('usage', `${kind}[${twice}]: named twice in ${file}`);
  }
  return platform;
}

/** The secret values `refs` point at; a variable that is not set or a file that cannot be read is a usage error naming it. */
export function resolveSecrets(refs: SecretRefs, options: { where: string; env: NodeJS.ProcessEnv; baseDir: string }): ConnectionSecret {
  const secret: Record<string, string> = {};
  for (const [field, ref] of Object.entries(refs) as [string, SecretRef][]) {
    const where = `${options.where}.secret.${field}`;
    if ('fromEnv' in ref) {
      const value = options.env[ref.fromEnv];
      if (!value) throw new CliError('usage', `${where}: environment variable ${ref.fromEnv} is not set`);
      secret[field] = value;
    } else {
      const path = resolve(options.baseDir, ref.fromFile);
      try {
        // A file written by `echo` or an editor ends with a newline that is not part of the secret.
        secret[field] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new CliError('usage', `${where}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
    }
  }
  return parseWith(ConnectionSecret, secret, `${options.where}.secret`);
}

/** How a secret reference reads in a plan: where it comes from, never what it is. */
export function describeSecretRefs(refs: SecretRefs): string {
  return (Object.entries(refs) as [string, SecretRef][])
    .map(([field, ref]) => `${field} from ${'fromEnv' in ref ? `$${ref.fromEnv}` : ref.fromFile}`)
    .join(', ');
}
