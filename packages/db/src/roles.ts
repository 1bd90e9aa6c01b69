import { RemitError, type ResourceRef, type Role, type RoleCreate, type RoleUpdate } from '@remit/core';
import { describeRef, iso, refMatch } from './row-mapping.ts';
import { PgErrorCode, isStillReferenced, pgConstraint, pgErrorCode, type Sql } from './sql.ts';

interface RoleRow {
  id: string;
  name: string;
  description: string;
  run_kinds: string[];
  max_duration_seconds: number;
  max_steps: number;
  connections: string[] | null;
  created_at: Date;
  updated_at: Date;
}

const selectRoles = `
  select r.id, r.name, r.description, r.run_kinds, r.max_duration_seconds, r.max_steps, r.created_at, r.updated_at,
         array(select c.name from role_connections rc join connections c on c.id = rc.connection_id
               where rc.role_id = r.id order by c.name) as connections
    from roles r`;

function toRole(row: RoleRow): Role {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    connections: row.connections ?? [],
    runKinds: row.run_kinds as Role['runKinds'],
    limits: { maxDurationSeconds: row.max_duration_seconds, maxSteps: row.max_steps },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** By name (unique in an org); `afterName` and `limit` take one page of them (default: all). */
export async function listRoles(sql: Sql, page: { afterName?: string; limit?: number } = {}): Promise<Role[]> {
  const res = await sql.query<RoleRow>(`${selectRoles} where ($1::text is null or r.name > $1) order by r.name limit $2`, [
    page.afterName ?? null,
    page.limit ?? null,
  ]);
  return res.rows.map(toRole);
}

/** The role with this id, or with this name: the caller says which. */
export async function findRole(sql: Sql, ref: ResourceRef): Promise<Role | undefined> {
  const match = refMatch(ref);
  if (!match) return undefined;
  const res = await sql.query<RoleRow>(`${selectRoles} where r.${match.column} = $1`, [match.value]);
  return res.rows[0] && toRole(res.rows[0]);
}

export async function getRole(sql: Sql, ref: ResourceRef): Promise<Role> {
  const role = await findRole(sql, ref);
  if (!role) throw new RemitError('not_found', `No role ${describeRef(ref)}.`);
  return role;
}

export async function createRole(sql: Sql, input: RoleCreate): Promise<Role> {
  let id: string;
  try {
    const res = await sql.query<{ id: string }>(
      `insert into roles (org_id, name, description, run_kinds, max_duration_seconds, max_steps)
       values (remit_current_org(), $1, $2, $3, $4, $5) returning id`,
      [input.name, input.description, dedupe(input.runKinds), input.limits.maxDurationSeconds, input.limits.maxSteps],
    );
    id = res.rows[0]!.id;
  } catch (err) {
    if (pgErrorCode(err) === PgErrorCode.uniqueViolation)
      throw new RemitError('already_exists', `A role named ${JSON.stringify(input.name)} already exists.`, { cause: err });
    if (pgConstraint(err) === 'roles_name_not_id_shaped') throw new RemitError('name_looks_like_id', undefined, { cause: err });
    throw err;
  }
  await setRoleConnections(sql, id, input.connections);
  return getRole(sql, { id });
}

export async function updateRole(sql: Sql, ref: ResourceRef, patch: RoleUpdate): Promise<Role> {
  const current = await getRole(sql, ref);
  await sql.query(`update roles set description = $2, run_kinds = $3, max_duration_seconds = $4, max_steps = $5, updated_at = now() where id = $1`, [
    current.id,
    patch.description ?? current.description,
    dedupe(patch.runKinds ?? current.runKinds),
    patch.limits?.maxDurationSeconds ?? current.limits.maxDurationSeconds,
    patch.limits?.maxSteps ?? current.limits.maxSteps,
  ]);
  if (patch.connections) {
    await sql.query('delete from role_connections where role_id = $1', [current.id]);
    await setRoleConnections(sql, current.id, patch.connections);
  }
  return getRole(sql, { id: current.id });
}

export async function deleteRole(sql: Sql, ref: ResourceRef): Promise<Role> {
  const role = await getRole(sql, ref);
  try {
    await sql.query('delete from roles where id = $1', [role.id]);
  } catch (err) {
    if (isStillReferenced(err)) {
      throw new RemitError('in_use', `Role ${JSON.stringify(role.name)} still has bindings or runs; delete its bindings first.`, { cause: err });
    }
    throw err;
  }
  return role;
}

async function setRoleConnections(sql: Sql, roleId: string, names: readonly string[]): Promise<void> {
  const wanted = dedupe(names);
  if (wanted.length === 0) return;
  const found = await sql.query<{ id: string; name: string }>('select id, name from connections where name = any($1::text[])', [wanted]);
  const missing = wanted.filter((n) => !found.rows.some((r) => r.name === n));
  if (missing.length > 0) {
    throw new RemitError('unknown_reference', `No connection named ${missing.map((m) => JSON.stringify(m)).join(', ')}; create it first.`);
  }
  await sql.query(`insert into role_connections (org_id, role_id, connection_id) select remit_current_org(), $1, unnest($2::uuid[])`, [
    roleId,
    found.rows.map((r) => r.id),
  ]);
}

function dedupe<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
