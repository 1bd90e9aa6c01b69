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

-- One-time bootstrap tokens: only a hash is stored; consuming one is a single conditional update.
create table sandbox_tokens (
  org_id uuid not null,
  token_hash text primary key,
  run_id uuid not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  foreign key (org_id, run_id) references runs (org_id, id) on delete cascade
);

alter table sandbox_tokens enable row level security;
alter table sandbox_tokens force row level security;
create policy tenant_isolation on sandbox_tokens using (org_id = remit_current_org()) with check (org_id = remit_current_org());
grant select, insert, update, delete on sandbox_tokens to remit_app;
