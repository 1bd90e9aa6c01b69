-- The runs table is the queue. A worker claims queued runs with FOR UPDATE SKIP LOCKED and
-- holds a lease it renews by heartbeat; every state change checks the caller still holds it.

alter table runs
  add column max_duration_seconds integer not null default 900,
  add column max_steps integer not null default 30,
  add column steps integer not null default 0,
  add column attempts integer not null default 0,
  add column lease_owner text,
  add column lease_expires_at timestamptz,
  add column cancel_requested boolean not null default false,
  add column sandbox_id text,
  add column last_event_seq integer not null default 0,
  add column started_at timestamptz,
  add column finished_at timestamptz;

create index runs_queued on runs (org_id, created_at) where status = 'queued';
create index runs_leased on runs (org_id, lease_expires_at) where status in ('provisioning', 'running', 'finishing');
create index runs_by_user on runs (org_id, user_id, created_at desc);

-- A sandbox bootstraps once per run: the first agent to present its run's token is recorded
-- here (only a hash of the token), and the primary key refuses every later attempt, from any
-- worker or replica.
create table sandbox_bootstraps (
  org_id uuid not null,
  run_id uuid primary key,
  token_hash text not null,
  used_at timestamptz not null default now(),
  foreign key (org_id, run_id) references runs (org_id, id) on delete cascade
);

alter table sandbox_bootstraps enable row level security;
alter table sandbox_bootstraps force row level security;
create policy tenant_isolation on sandbox_bootstraps using (org_id = remit_current_org()) with check (org_id = remit_current_org());
grant select, insert, update, delete on sandbox_bootstraps to remit_app;
