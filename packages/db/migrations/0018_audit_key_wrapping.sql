-- Per-user audit keys held by the secret store (issue 15): a database copy alone must not unseal
-- personal audit details. Each org has an X25519 wrapping key whose private half lives only in
-- the secret store (secret://<org>/audit/personal-keys/wrapping-key); its public half is here, so
-- whoever appends audit entries can seal without holding any secret.

-- Rows are only ever added: the newest is the one keys are wrapped to, and every start refuses to
-- go on if the newest is not the secret store's (a row an app login added would otherwise have new
-- keys wrapped to someone else's key).
create table audit_personal_wrap_keys (
  org_id uuid not null references orgs (org_id) on delete cascade,
  public_key bytea not null check (length(public_key) = 32),
  created_at timestamptz not null default clock_timestamp(),
  primary key (org_id, public_key)
);
alter table audit_personal_wrap_keys enable row level security;
alter table audit_personal_wrap_keys force row level security;
create policy tenant_isolation on audit_personal_wrap_keys using (org_id = remit_current_org()) with check (org_id = remit_current_org());
grant select, insert on audit_personal_wrap_keys to remit_app;

-- A user's key now has two forms. Wrapped (v2): public_key is the user's X25519 public key, which
-- details are sealed to, and sealed_key their private key sealed to the org's wrapping key. Legacy
-- (from 0015): key is a plain AES-256 key; openAuditPersonalKeyring re-inserts each under the same
-- id with key null and sealed_key the AES key sealed to the wrapping key (insert and delete only:
-- the app still cannot rewrite a key in place). Purging a user deletes every key of theirs.
alter table audit_personal_keys alter column key drop not null;
alter table audit_personal_keys add column public_key bytea check (length(public_key) = 32);
alter table audit_personal_keys add column sealed_key bytea;
alter table audit_personal_keys add constraint audit_personal_keys_one_form
  check ((key is not null and sealed_key is null and public_key is null) or (key is null and sealed_key is not null));

-- One key per user (and one for the org) of each form in use: a user written before and after the
-- upgrade holds a wrapped legacy key (for their old details) and a v2 key.
drop index audit_personal_keys_user;
drop index audit_personal_keys_org;
create unique index audit_personal_keys_user on audit_personal_keys (org_id, user_id) where user_id is not null and public_key is not null;
create unique index audit_personal_keys_org on audit_personal_keys (org_id) where user_id is null and public_key is not null;
create unique index audit_personal_keys_plain_user on audit_personal_keys (org_id, user_id) where user_id is not null and key is not null;
create unique index audit_personal_keys_plain_org on audit_personal_keys (org_id) where user_id is null and key is not null;
