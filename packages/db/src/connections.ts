import { RemitError, type Connection, type ConnectionCreate } from '@remit/core';
import { iso, refColumn } from './row-mapping.ts';
import { PgErrorCode, isStillReferenced, pgErrorCode, type Sql } from './sql.ts';

interface ConnectionRow {
  id: string;
  name: string;
  type: Connection['type'];
  description: string;
  auth_mode: Connection['authMode'];
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

const columns = 'id, name, type, description, auth_mode, config, created_at, updated_at';

function toConnection(row: ConnectionRow): Connection {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    description: row.description,
    authMode: row.auth_mode,
    config: row.config,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function listConnections(sql: Sql): Promise<Connection[]> {
  const res = await sql.query<ConnectionRow>(`select ${columns} from connections order by name`);
  return res.rows.map(toConnection);
}

export async function getConnection(sql: Sql, ref: string): Promise<Connection> {
  const res = await sql.query<ConnectionRow>(`select ${columns} from connections where ${refColumn(ref)} = $1`, [ref]);
  if (!res.rows[0]) throw new RemitError('not_found', `No connection ${JSON.stringify(ref)}.`);
  return toConnection(res.rows[0]);
}

export async function createConnection(sql: Sql, input: ConnectionCreate): Promise<Connection> {
  try {
    const res = await sql.query<ConnectionRow>(
      `insert into connections (org_id, name, type, description, auth_mode, config)
       values (remit_current_org(), $1, $2, $3, $4, $5) returning ${columns}`,
      [input.name, input.type, input.description, input.authMode, input.config],
    );
    return toConnection(res.rows[0]!);
  } catch (err) {
    if (pgErrorCode(err) === PgErrorCode.uniqueViolation) {
      throw new RemitError('already_exists', `A connection named ${JSON.stringify(input.name)} already exists.`);
    }
    throw err;
  }
}

/** Callers validate `config` against the connection's type before calling. */
export async function updateConnection(
  sql: Sql,
  id: string,
  next: { description: string; authMode: Connection['authMode']; config: Record<string, unknown> },
): Promise<Connection> {
  const res = await sql.query<ConnectionRow>(
    `update connections set description = $2, auth_mode = $3, config = $4, updated_at = now() where id = $1 returning ${columns}`,
    [id, next.description, next.authMode, next.config],
  );
  if (!res.rows[0]) throw new RemitError('not_found', 'No such connection.');
  return toConnection(res.rows[0]);
}

export async function deleteConnection(sql: Sql, ref: string): Promise<Connection> {
  const connection = await getConnection(sql, ref);
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
