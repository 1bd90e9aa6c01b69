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
export interface ConnectionRecord extends Connection {
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
export function publicConnection(record: ConnectionRecord): Connection {
  const { secretRef: _hidden, ...visible } = record;
  return visible;
}

const toConnection = (row: ConnectionRow): Connection => publicConnection(toRecord(row));

export async function listConnections(sql: Sql): Promise<Connection[]> {
  const res = await sql.query<ConnectionRow>(`select ${columns} from connections order by name`);
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

/** The id a new connection will have, so its secret can be sealed under it before the row exists. */
export async function newConnectionId(sql: Sql): Promise<string> {
  return (await sql.query<{ id: string }>('select gen_random_uuid() as id')).rows[0]!.id;
}

export async function createConnection(
  sql: Sql,
  input: Omit<ConnectionCreate, 'secret'> & { id?: string; secretRef?: string | null; verifiedAt?: Date | null },
): Promise<Connection> {
  try {
    const res = await sql.query<ConnectionRow>(
      `insert into connections (org_id, id, name, type, description, auth_mode, config, oauth, secret_ref, verified_at)
       values (remit_current_org(), coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9) returning ${columns}`,
      [input.id ?? null, input.name, input.type, input.description, input.authMode, input.config, input.oauth ?? null, input.secretRef ?? null, input.verifiedAt ?? null],
    );
    return toConnection(res.rows[0]!);
  } catch (err) {
    if (pgErrorCode(err) === PgErrorCode.uniqueViolation) {
      throw new RemitError('already_exists', `A connection named ${JSON.stringify(input.name)} already exists.`);
    }
    if (pgConstraint(err) === 'connections_name_not_id_shaped') throw new RemitError('name_looks_like_id');
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
    [id, next.description, next.authMode, next.config, next.oauth !== undefined, next.oauth ?? null, next.secretRef !== undefined, next.secretRef ?? null, next.verifiedAt ?? null],
  );
  if (!res.rows[0]) throw new RemitError('not_found', 'No such connection.');
  return toConnection(res.rows[0]);
}

/** Records a passed live verification. */
export async function markConnectionVerified(sql: Sql, id: string): Promise<void> {
  await sql.query('update connections set verified_at = now() where id = $1', [id]);
}

export async function deleteConnection(sql: Sql, ref: ResourceRef): Promise<ConnectionRecord> {
  const connection = await getConnectionRecord(sql, ref);
  try {
    await sql.query('delete from connections where id = $1', [connection.id]);
  } catch (err) {
    if (isStillReferenced(err)) {
      throw new RemitError('in_use', `Connection ${JSON.stringify(connection.name)} is used by a role; remove it from the role first.`);
    }
    throw err;
  }
  return connection;
}
