-- Permanent deletion of a user (issue 15): tombstones, and per-user keys for personal audit data.

-- A purged user keeps their row, so runs, model calls and the audit chain's actor ids still point
-- at something; everything that identified the person is cleared. sub becomes null: no token can
-- carry a null subject, so nothing can ever sign in as a tombstone (a token with the old subject
-- finds no row and starts a new, empty user).
alter table users alter column sub drop not null;
alter table users add column purged_at timestamptz;
alter table users add constraint users_tombstone_or_subject
  check ((purged_at is null) = (sub is not null) and (purged_at is null or (email is null and groups = '{}')));

-- The AES-256-GCM data keys that audit_personal rows are sealed under: one per user (the entry's
-- actor), and one per org (user_id null) for entries without an actor. Purging a user deletes
-- their key, which shreds every personal detail sealed under it, wherever a copy of the
-- ciphertext went. Keys are inserted and deleted, never rewritten: an app login that could
-- update one could swap a user's key for one it knows.
create table audit_personal_keys (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid,
  key bytea not null check (length(key) = 32),
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create unique index audit_personal_keys_user on audit_personal_keys (org_id, user_id) where user_id is not null;
create unique index audit_personal_keys_org on audit_personal_keys (org_id) where user_id is null;

alter table audit_personal_keys enable row level security;
alter table audit_personal_keys force row level security;
create policy tenant_isolation on audit_personal_keys using (org_id = remit_current_org()) with check (org_id = remit_current_org());

grant select, insert, delete on audit_personal_keys to remit_app;
