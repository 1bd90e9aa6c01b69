import { noTenant, type Database } from './sql.ts';

/**
 * Finds or creates the org for `slug`, as the owner: orgs are created by the deployment, not
 * through the API, and the app role may only read its own org.
 */
export async function ensureOrg(db: Database, slug: string, name = slug): Promise<{ orgId: string }> {
  return db.owner(async (sql) => {
    const found = await sql.query<{ org_id: string }>('select org_id from orgs where slug = $1', [slug]);
    if (found.rows[0]) return { orgId: found.rows[0].org_id };
    const created = await sql.query<{ org_id: string }>(
      'insert into orgs (org_id, slug, name) values (gen_random_uuid(), $1, $2) on conflict (slug) do update set slug = excluded.slug returning org_id',
      [slug, name],
    );
    return { orgId: created.rows[0]!.org_id };
  });
}

/**
 * Lets a requests-only process find the org `slug` with `findOrgId`, as the owner; `remit
 * migrate` does this for REMIT_ORG. Other orgs stay unresolvable by the request login (see
 * 0010_requests_only.sql). Returns false when there is no such org.
 */
export async function allowOrgLookup(db: Database, slug: string): Promise<boolean> {
  const updated = await db.owner((sql) => sql.query('update orgs set lookup_by_slug = true where slug = $1', [slug]));
  return updated.rowCount > 0;
}

/**
 * The id of the org `slug`, asked as the request login through remit_org_id(), which sees no
 * other column and answers only for orgs `allowOrgLookup` opened; undefined otherwise.
 */
export async function findOrgId(db: Database, slug: string): Promise<string | undefined> {
  const found = await db.tenant(noTenant, (sql) => sql.query<{ org_id: string | null }>('select remit_org_id($1) as org_id', [slug]));
  return found.rows[0]?.org_id ?? undefined;
}
