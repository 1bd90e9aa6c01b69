import {
  Binding,
  BindingCreate,
  BindingUpdate,
  Connection,
  ConnectionCreate,
  ConnectionUpdate,
  Role,
  RoleCreate,
  RoleUpdate,
  connectionConfigSchemas,
} from '@remit/core';
import * as db from '@remit/db';
import type { Sql } from '@remit/db';
import { zodToRemitError } from '../http/validation-hook.ts';
import type { CrudResource } from './admin-crud.ts';

export const roles: CrudResource<Role, RoleCreate, RoleUpdate> = {
  noun: 'role',
  path: '/v1/admin/roles',
  byName: true,
  schemas: { item: Role, create: RoleCreate, update: RoleUpdate },
  list: db.listRoles,
  get: db.getRole,
  create: db.createRole,
  update: db.updateRole,
  remove: db.deleteRole,
  auditDetail: (r) => ({ name: r.name, connections: r.connections, runKinds: r.runKinds, limits: r.limits }),
};

export const connections: CrudResource<Connection, ConnectionCreate, ConnectionUpdate> = {
  noun: 'connection',
  path: '/v1/admin/connections',
  byName: true,
  schemas: { item: Connection, create: ConnectionCreate, update: ConnectionUpdate },
  list: db.listConnections,
  get: db.getConnection,
  create: db.createConnection,
  update: updateConnection,
  remove: db.deleteConnection,
  auditDetail: (c) => ({ name: c.name, type: c.type, authMode: c.authMode, config: c.config }),
};

/** A new config replaces the old one whole and must fit the connection's type. */
async function updateConnection(sql: Sql, ref: string, patch: ConnectionUpdate): Promise<Connection> {
  const current = await db.getConnection(sql, ref);
  let config = current.config;
  if (patch.config) {
    const parsed = connectionConfigSchemas[current.type].safeParse(patch.config);
    if (!parsed.success) throw zodToRemitError(parsed.error, { target: 'json', prefix: 'config' });
    config = parsed.data as Record<string, unknown>;
  }
  return db.updateConnection(sql, current.id, {
    description: patch.description ?? current.description,
    authMode: patch.authMode ?? current.authMode,
    config,
  });
}

export const bindings: CrudResource<Binding, BindingCreate, BindingUpdate> = {
  noun: 'binding',
  path: '/v1/admin/bindings',
  byName: false,
  schemas: { item: Binding, create: BindingCreate, update: BindingUpdate },
  list: db.listBindings,
  get: db.getBinding,
  create: db.createBinding,
  update: (sql, id, patch) => db.updateBinding(sql, id, patch.role),
  remove: db.deleteBinding,
  // Group names are organisational; a user's email is personal and stays out of the chain.
  auditDetail: (b) => ({ role: b.role, subjectKind: b.subject.kind, ...(b.subject.kind === 'group' ? { group: b.subject.group } : {}) }),
  auditPersonal: (b) => (b.subject.kind === 'user' ? { email: b.subject.email } : undefined),
};
