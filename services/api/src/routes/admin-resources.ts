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
} from '@remit/core';
import { createConnectionChecked, deleteConnectionChecked, updateConnectionChecked, type ConnectionServiceDeps } from '@remit/agents';
import * as db from '@remit/db';
import type { CrudResource } from './admin-crud.ts';

export const roles: CrudResource<Role, RoleCreate, RoleUpdate, 'id-or-name'> = {
  noun: 'role',
  path: '/v1/admin/roles',
  refs: 'id-or-name',
  schemas: { item: Role, create: RoleCreate, update: RoleUpdate },
  list: db.listRoles,
  get: db.getRole,
  create: db.createRole,
  update: db.updateRole,
  remove: db.deleteRole,
  auditDetail: (r) => ({ name: r.name, connections: r.connections, runKinds: r.runKinds, limits: r.limits }),
};

/** Connections need the secret store and the egress resolver: verified live, credentials sealed. */
export function connectionsResource(deps: ConnectionServiceDeps): CrudResource<Connection, ConnectionCreate, ConnectionUpdate, 'id-or-name'> {
  return {
    noun: 'connection',
    path: '/v1/admin/connections',
    refs: 'id-or-name',
    schemas: { item: Connection, create: ConnectionCreate, update: ConnectionUpdate },
    list: db.listConnections,
    get: db.getConnection,
    create: (sql, input) => createConnectionChecked(deps, sql, input),
    update: (sql, ref, patch) => updateConnectionChecked(deps, sql, ref, patch),
    remove: (sql, ref) => deleteConnectionChecked(deps, sql, ref),
    // Which credentials exist, never what they are.
    auditDetail: (c) => ({ name: c.name, type: c.type, authMode: c.authMode, config: c.config, hasSecret: c.hasSecret }),
  };
}

export const bindings: CrudResource<Binding, BindingCreate, BindingUpdate, 'id'> = {
  noun: 'binding',
  path: '/v1/admin/bindings',
  refs: 'id',
  schemas: { item: Binding, create: BindingCreate, update: BindingUpdate },
  list: db.listBindings,
  get: (sql, { id }) => db.getBinding(sql, id),
  create: db.createBinding,
  update: (sql, { id }, patch) => db.updateBinding(sql, id, patch.role),
  remove: (sql, { id }) => db.deleteBinding(sql, id),
  // Group names are organisational; a user's email is personal and stays out of the chain.
  auditDetail: (b) => ({ role: b.role, subjectKind: b.subject.kind, ...(b.subject.kind === 'group' ? { group: b.subject.group } : {}) }),
  auditPersonal: (b) => (b.subject.kind === 'user' ? { email: b.subject.email } : undefined),
};
