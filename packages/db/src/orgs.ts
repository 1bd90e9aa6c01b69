import type { Database } from './sql.ts';

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
