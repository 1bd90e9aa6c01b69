-- A requests-only process (REMIT_DATABASE_APP_URL without DATABASE_URL, as the AWS service
-- runs) has no owner login: it checks the schema version and finds its org as remit_app.

-- Migration names are the code's version, not tenant data: reading them tells a request login
-- nothing about any org. The table has no RLS on purpose (rls-check.ts skips it), so the
-- grant is SELECT only.
grant select on schema_migrations to remit_app;

-- Org ids are what a tenant context is made of: a request login that learned another org's id
-- could, through an injected set_config, act in that org. So remit_app reads no org row but
-- its own, and finds its org at start-up only through remit_org_id(), which answers only for
-- the orgs `remit migrate` was told to serve (REMIT_ORG) and returns the id alone.
alter table orgs add column lookup_by_slug boolean not null default false;

-- SECURITY DEFINER runs as the owner, which reads orgs past the tenant policy; the pinned
-- search_path (this schema, then pg_temp) keeps a caller's temporary objects from standing in
-- for ours.
create function remit_org_id(p_slug text) returns uuid
  language sql stable security definer
  set search_path from current
  as $$ select org_id from orgs where slug = p_slug and lookup_by_slug $$;
revoke execute on function remit_org_id(text) from public;
grant execute on function remit_org_id(text) to remit_app;
