import { APP_ROLE, type TenantContext } from './sql.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One round trip that pins a transaction's schema, role and tenant. `true` makes every
 * setting transaction-local: nothing survives COMMIT or ROLLBACK on a pooled connection.
 */
export function tenantSettings(schema: string, ctx: TenantContext): { text: string; params: string[] } {
  for (const id of [ctx.orgId, ctx.userId]) {
    if (id !== null && !UUID.test(id)) throw new TypeError('tenant context ids must be UUIDs');
  }
  return {
    text:
      "select set_config('search_path', $1, true), set_config('role', $2, true), " +
      "set_config('remit.org_id', $3, true), set_config('remit.user_id', $4, true)",
    params: [quoteIdent(schema), APP_ROLE, ctx.orgId ?? '', ctx.userId ?? ''],
  };
}

export function ownerSettings(schema: string): { text: string; params: string[] } {
  return { text: "select set_config('search_path', $1, true)", params: [quoteIdent(schema)] };
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`not a safe identifier: ${name}`);
  return `"${name}"`;
}
