import { RemitError, type Connection, type ConnectionCreate, type OAuthSettings, type ResourceRef } from '@remit/core';
import { describeRef, iso, refMatch } from './row-mapping.ts';
import { PgErrorCode, isStillReferenced, pgConstraint, pgErrorCode, type Sql } from './sql.ts';

interface ConnectionRow {
  id: string;
  name: string;
  type: Connection['type'];
  description: string;
  auth_mode: Connection['authMode'];
  config: Record<string, unknown>;
  oauth: OAuthSettings | null;
  secret_ref: string | null;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const columns = 'id, name, type, description, auth_mode, config, oauth, secret_ref, verified_at, created_at, updated_at';

/** What the worker and the verifier need beyond the public shape: where the sealed credentials are. */
interface ConnectionRecord extends Connection {
  secretRef: string | null;
}

function toRecord(row: ConnectionRow): ConnectionRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    description: row.description,
    authMode: row.auth_mode,
    config: row.config,
    oauth: row.oauth,
    hasSecret: row.secret_ref !== null,
    verifiedAt: row.verified_at ? iso(row.verified_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    secretRef: row.secret_ref,
  };
}

/** The public shape: the secret reference stays inside. */
function publicConnection(record: ConnectionRecord): Connection {
  const { secretRef: _hidden, ...visible } = record;
  return visible;
}

const toConnection = (row: ConnectionRow): Connection => publicConnection(toRecord(row));

/** By name (unique in an org); `afterName` and `limit` take one page of them (default: all). */
export async function listConnections(sql: Sql, page: { afterName?: string; limit?: number } = {}): Promise<Connection[]> {
  const res = await sql.query<ConnectionRow>(`select ${columns} from connections where ($1::text is null or name > $1) order by name limit $2`, [
    page.afterName ?? null,
    page.limit ?? null,
  ]);
  return res.rows.map(toConnection);
}

/** The connection with this id, or with this name: the caller says which. */
export async function getConnectionRecord(sql: Sql, ref: ResourceRef): Promise<ConnectionRecord> {
  const match = refMatch(ref);
  const res = match ? await sql.query<ConnectionRow>(`select ${columns} from connections where ${match.column} = $1`, [match.value]) : undefined;
  if (!res?.rows[0]) throw new RemitError('not_found', `No connection ${describeRef(ref)}.`);
  return toRecord(res.rows[0]);
}

export async function getConnection(sql: Sql, ref: ResourceRef): Promise<Connection> {
  return publicConnection(await getConnectionRecord(sql, ref));
}

export async function createConnection(
  sql: Sql,
  input: Omit<ConnectionCreate, 'secret'> & { id?: string; secretRef?: string | null; verifiedAt?: Date | null },
): Promise<Connection> {
  try {
    const res = await sql.query<ConnectionRow>(
      `insert into connections (org_id, id, name, type, description, auth_mode, config, oauth, secret_ref, verified_at)
       values (remit_current_org(), coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9) returning ${columns}`,
      [
        input.id ?? null,
        input.name,
        input.type,
        input.description,
        input.authMode,
        input.config,
        input.oauth ?? null,
        input.secretRef ?? null,
        input.verifiedAt ?? null,
      ],
    );
    return toConnection(res.rows[0]!);
  } catch (err) {
    if (pgErrorCode(err) === PgErrorCode.uniqueViolation) {
      throw new RemitError('already_exists', `A connection named ${JSON.stringify(input.name)} already exists.`, { cause: err });
    }
    if (pgConstraint(err) === 'connections_name_not_id_shaped') throw new RemitError('name_looks_like_id', undefined, { cause: err });
    throw err;
  }
}

/** Callers validate `config` against the connection's type before calling. */
export async function updateConnection(
  sql: Sql,
  id: string,
  next: {
    description: string;
    authMode: Connection['authMode'];
    config: Record<string, unknown>;
    oauth?: OAuthSettings | null;
    secretRef?: string | null;
    verifiedAt?: Date | null;
  },
): Promise<Connection> {
  const res = await sql.query<ConnectionRow>(
    `update connections set description = $2, auth_mode = $3, config = $4,
            oauth = case when $5::boolean then $6::jsonb else oauth end,
            secret_ref = case when $7::boolean then $8 else secret_ref end,
            verified_at = coalesce($9, verified_at), updated_at = now()
      where id = $1 returning ${columns}`,
    [
      id,
      next.description,
      next.authMode,
      next.config,
      next.oauth !== undefined,
      next.oauth ?? null,
      next.secretRef !== undefined,
      next.secretRef ?? null,
      next.verifiedAt ?? null,
    ],
  );
  if (!res.rows[0]) throw new RemitError('not_found', 'No such connection.');
  return toConnection(res.rows[0]);
}

/**
 * The connection, locked until the transaction ends: a write that checks it against what an
 * earlier transaction read (before a live check) cannot be raced by another write.
 */
export async function lockConnectionRecord(sql: Sql, id: string): Promise<ConnectionRecord> {
  const res = await sql.query<ConnectionRow>(`select ${columns} from connections where id = $1 for update`, [id]);
  if (!res.rows[0]) throw new RemitError('not_found', 'No such connection.');
  return toRecord(res.rows[0]);
}

/** Records a passed live verification (a run's check) for each connection. */
export async function markConnectionsVerified(sql: Sql, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query('update connections set verified_at = now() where id = any($1::uuid[])', [[...ids]]);
}

export async function deleteConnection(sql: Sql, ref: ResourceRef): Promise<ConnectionRecord> {
  const connection = await getConnectionRecord(sql, ref);
  try {
    await sql.query('delete from connections where id = $1', [connection.id]);
  } catch (err) {
    if (isStillReferenced(err)) {
      throw new RemitError('in_use', `Connection ${JSON.stringify(connection.name)} is used by a role; remove it from the role first.`, { cause: err });
    }
    throw err;
  }
  return connection;
}
