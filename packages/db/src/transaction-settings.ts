import type { GraphScope, TenantContext } from './sql.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One round trip that pins a transaction's schema and tenant. `true` makes every setting
 * transaction-local: nothing survives COMMIT or ROLLBACK on a pooled connection.
 *
 * `switchToRole` is for PGlite only, whose one in-process connection is a superuser: there the
 * transaction drops to the app role. On PostgreSQL the request pool already logs in as a role
 * that owns nothing, because a role switched to with SET ROLE is one `RESET ROLE` away from the
 * login that switched, and an injected statement could say it.
 */
export function tenantSettings(schema: string, ctx: TenantContext, switchToRole?: string): { text: string; params: string[] } {
  for (const id of [ctx.orgId, ctx.userId, ctx.graphScope?.kind === 'role' ? ctx.graphScope.roleId : null]) {
    if (id !== null && !UUID.test(id)) throw new TypeError('tenant context ids must be UUIDs');
  }
  const base =
    "select set_config('search_path', $1, true), set_config('remit.org_id', $2, true), set_config('remit.user_id', $3, true), set_config('remit.graph_scope', $4, true)";
  const params = [searchPath(schema), ctx.orgId ?? '', ctx.userId ?? '', graphScopeSetting(ctx.graphScope)];
  if (switchToRole === undefined) return { text: base, params };
  return { text: `${base}, set_config('role', $5, true)`, params: [...params, switchToRole] };
}

/** remit.graph_scope as 0016's policies read it. */
function graphScopeSetting(scope: GraphScope | undefined): string {
  if (scope === undefined) return '';
  return scope.kind === 'role' ? `role:${scope.roleId}` : scope.kind;
}

export function ownerSettings(schema: string): { text: string; params: string[] } {
  return { text: "select set_config('search_path', $1, true)", params: [searchPath(schema)] };
}

/**
 * pg_temp is searched first for tables unless search_path names it, and any login may create
 * temporary tables: a `roles` created by one request would shadow ours for every later request
 * on that pooled connection. Naming it last puts it behind our schema.
 */
function searchPath(schema: string): string {
  return `${quoteIdent(schema)}, pg_temp`;
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`not a safe identifier: ${name}`);
  return `"${name}"`;
}
