import { Binding, BindingCreate, BindingUpdate, Connection, ConnectionCreate, ConnectionUpdate, Role, RoleCreate, RoleUpdate } from '@remit/core';
import { createConnectionChecked, deleteConnectionChecked, updateConnectionChecked, type ConnectionServiceDeps } from '@remit/agents';
import {
  bindingPosition,
  createBinding,
  createRole,
  deleteBinding,
  deleteRole,
  getBinding,
  getConnection,
  getRole,
  listBindings,
  listConnections,
  listRoles,
  updateBinding,
  updateRole,
  type Sql,
} from '@remit/db';
import { z } from 'zod';
import { inWrite, type CrudListing, type CrudResource } from './admin-crud.ts';

/** Roles and connections page by name, unique in an org. */
function byName<Item extends { name: string }>(list: (sql: Sql, page: { afterName?: string; limit: number }) => Promise<Item[]>): CrudListing<Item, [string]> {
  return {
    key: z.tuple([z.string()]),
    keyOf: (item) => [item.name],
    read: (sql, { after, limit }) => list(sql, { ...(after ? { afterName: after[0] } : {}), limit }),
  };
}

export const roles: CrudResource<Role, RoleCreate, RoleUpdate, 'id-or-name', [string]> = {
  noun: 'role',
  path: '/v1/admin/roles',
  refs: 'id-or-name',
  schemas: { item: Role, create: RoleCreate, update: RoleUpdate },
  list: byName(listRoles),
  get: getRole,
  create: inWrite(createRole),
  update: inWrite(updateRole),
  remove: inWrite(deleteRole),
  auditDetail: (r) => ({ name: r.name, connections: r.connections, runKinds: r.runKinds, limits: r.limits }),
};

/** Connections need the secret store and the egress resolver: verified live, credentials sealed. */
export function connectionsResource(deps: ConnectionServiceDeps): CrudResource<Connection, ConnectionCreate, ConnectionUpdate, 'id-or-name', [string]> {
  return {
    noun: 'connection',
    path: '/v1/admin/connections',
    refs: 'id-or-name',
    schemas: { item: Connection, create: ConnectionCreate, update: ConnectionUpdate },
    list: byName(listConnections),
    get: getConnection,
    // Verified live between a read and the write, never inside a transaction (save-connection.ts).
    create: (t, input) => createConnectionChecked(deps, t, input),
    update: (t, ref, patch) => updateConnectionChecked(deps, t, ref, patch),
    remove: (t, ref) => deleteConnectionChecked(deps, t, ref),
    // Which credentials exist, never what they are.
    auditDetail: (c) => ({ name: c.name, type: c.type, authMode: c.authMode, config: c.config, hasSecret: c.hasSecret }),
  };
}

/** Bindings page by (role name, subject kind, subject), unique in an org. */
const BindingKey = z.tuple([z.string(), z.enum(['group', 'user']), z.string()]);

export const bindings: CrudResource<Binding, BindingCreate, BindingUpdate, 'id', z.infer<typeof BindingKey>> = {
  noun: 'binding',
  path: '/v1/admin/bindings',
  refs: 'id',
  schemas: { item: Binding, create: BindingCreate, update: BindingUpdate },
  list: {
    key: BindingKey,
    keyOf: (b) => {
      const p = bindingPosition(b);
      return [p.role, p.subjectKind, p.subject];
    },
    read: (sql, { after, limit }) => listBindings(sql, { ...(after ? { after: { role: after[0], subjectKind: after[1], subject: after[2] } } : {}), limit }),
  },
  get: (sql, { id }) => getBinding(sql, id),
  create: inWrite(createBinding),
  update: inWrite((sql, { id }: { id: string }, patch: BindingUpdate) => updateBinding(sql, id, patch.role)),
  remove: inWrite((sql, { id }: { id: string }) => deleteBinding(sql, id)),
  // Group names are organisational; a user's email is personal and stays out of the chain.
  auditDetail: (b) => ({ role: b.role, subjectKind: b.subject.kind, ...(b.subject.kind === 'group' ? { group: b.subject.group } : {}) }),
  auditPersonal: (b) => (b.subject.kind === 'user' ? { email: b.subject.email } : undefined),
};
