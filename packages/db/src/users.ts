import type { Sql } from './sql.ts';

interface UserRecord {
  id: string;
  sub: string;
  email: string | null;
}

/**
 * The user row for a verified token's `sub` in the current org, created on first sight, with
 * the groups the token carried (a webhook-started run resolves its author's roles from them).
 * The row is written only when the email or groups changed, or every five minutes for
 * last_seen_at, so reads stay reads.
 */
export async function upsertUser(sql: Sql, identity: { sub: string; email: string | null; groups?: readonly string[] }): Promise<UserRecord> {
  const groups = [...new Set(identity.groups ?? [])].sort();
  const res = await sql.query<UserRecord>(
    `insert into users (org_id, sub, email, groups) values (remit_current_org(), $1, $2, $3)
     on conflict (org_id, sub) do update set email = excluded.email, groups = excluded.groups, last_seen_at = now()
       where users.email is distinct from excluded.email or users.groups is distinct from excluded.groups
          or users.last_seen_at < now() - interval '5 minutes'
     returning id, sub, email`,
    [identity.sub, identity.email, groups],
  );
  if (res.rows[0]) return res.rows[0];
  const existing = await sql.query<UserRecord>('select id, sub, email from users where sub = $1', [identity.sub]);
  return existing.rows[0]!;
}

/** Role names bound to this user directly (by email) or through any of their groups. */
export async function roleNamesFor(sql: Sql, who: { email: string | null; groups: readonly string[] }): Promise<string[]> {
  const res = await sql.query<{ name: string }>(
    `select distinct r.name from role_bindings b join roles r on r.id = b.role_id
      where (b.subject_kind = 'group' and b.subject = any($1::text[]))
         or (b.subject_kind = 'user' and b.subject = lower($2))
      order by r.name`,
    [who.groups, who.email ?? ''],
  );
  return res.rows.map((r) => r.name);
}

/** The user with this email in the current org (emails compare case-insensitively), if they have signed in. */
export async function findUserByEmail(sql: Sql, email: string): Promise<UserRecord | undefined> {
  const res = await sql.query<UserRecord>('select id, sub, email from users where lower(email) = lower($1) order by created_at limit 1', [email]);
  return res.rows[0];
}
