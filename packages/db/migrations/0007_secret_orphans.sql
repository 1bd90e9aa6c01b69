-- Sealed secrets that no row refers to. A secret is sealed before the transaction that will
-- refer to it (a vault write never sits inside a transaction it could outlive), so it is listed
-- here first, in a transaction of its own, and that transaction takes it off the list. A secret
-- a transaction stops referring to is listed in that same transaction and deleted after commit.
-- Whatever is still listed when due — a save that failed, a delete the vault refused, a process
-- that died in between — is deleted from the vault by the maintenance sweep.
create table secret_orphans (
  org_id uuid not null references orgs (org_id) on delete cascade,
  secret_ref text not null,
  due_at timestamptz not null,
  -- Sweeps that claimed it; a claimed secret can no longer be taken off the list by a save.
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  primary key (org_id, secret_ref)
);

create index secret_orphans_due on secret_orphans (org_id, due_at);

alter table secret_orphans enable row level security;
alter table secret_orphans force row level security;
create policy tenant_isolation on secret_orphans using (org_id = remit_current_org()) with check (org_id = remit_current_org());

grant select, insert, update, delete on secret_orphans to remit_app;
