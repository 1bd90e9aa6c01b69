-- Platform insights (issue 16): jobs an admin schedules to run as a chosen role, the due times
-- they fired for, and the findings their runs report, reviewed in a queue with their history.

create table insight_jobs (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid() primary key,
  name text not null check (name !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
  role_id uuid not null,
  schedule text not null,
  timezone text not null,
  focus text not null check (focus in ('reliability', 'cost', 'security_posture')),
  guidance text not null default '',
  enabled boolean not null default true,
  -- Computed by the API and the scheduler from schedule and timezone (croner); null while disabled.
  next_due_at timestamptz,
  last_due_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name),
  unique (org_id, id),
  -- A role that still powers a job cannot be deleted: delete or re-point the job first.
  foreign key (org_id, role_id) references roles (org_id, id) on delete restrict,
  check (enabled = (next_due_at is not null))
);
create index insight_jobs_due on insight_jobs (org_id, next_due_at) where enabled;

-- One row per job and due time, written in the transaction that queues its run: the primary key
-- is what makes a due time start one run, however many schedulers see it due at once. A "run
-- now" is a due time of its own (the moment it was asked for).
create table insight_job_firings (
  org_id uuid not null,
  job_id uuid not null,
  due_at timestamptz not null,
  outcome text not null check (outcome in ('queued', 'refused')),
  run_id uuid,
  reason text,
  requested_by uuid,
  created_at timestamptz not null default now(),
  primary key (org_id, job_id, due_at),
  foreign key (org_id, job_id) references insight_jobs (org_id, id) on delete cascade,
  foreign key (org_id, run_id) references runs (org_id, id) on delete set null (run_id),
  foreign key (org_id, requested_by) references users (org_id, id) on delete set null (requested_by)
);

create table insight_findings (
  org_id uuid not null,
  id uuid not null default gen_random_uuid() primary key,
  run_id uuid,
  job_id uuid,
  title text not null,
  severity text not null check (severity in ('info', 'low', 'medium', 'high', 'critical')),
  summary text not null,
  -- [{toolCallId, tool, callSeq, resultSeq, quote}]: the run's transcript events that support it.
  evidence jsonb not null,
  suggested_change text not null,
  status text not null default 'new' check (status in ('new', 'accepted', 'dismissed', 'done')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, id),
  foreign key (org_id, run_id) references runs (org_id, id) on delete set null (run_id),
  foreign key (org_id, job_id) references insight_jobs (org_id, id) on delete set null (job_id)
);
create index insight_findings_queue on insight_findings (org_id, created_at desc, id desc);
create index insight_findings_status on insight_findings (org_id, status, created_at desc, id desc);
create index insight_findings_job on insight_findings (org_id, job_id, created_at desc, id desc);

-- Every status a finding has had: who moved it, when, from what, to what and why. The first
-- entry (from null to new, by nobody) is its run reporting it. Entries are only ever added.
create table insight_finding_history (
  org_id uuid not null,
  finding_id uuid not null,
  seq integer not null,
  from_status text check (from_status in ('new', 'accepted', 'dismissed', 'done')),
  to_status text not null check (to_status in ('new', 'accepted', 'dismissed', 'done')),
  changed_by uuid,
  note text not null default '',
  at timestamptz not null default now(),
  primary key (org_id, finding_id, seq),
  foreign key (org_id, finding_id) references insight_findings (org_id, id) on delete cascade,
  foreign key (org_id, changed_by) references users (org_id, id) on delete set null (changed_by)
);

do $$
declare t text;
begin
  foreach t in array array['insight_jobs', 'insight_job_firings', 'insight_findings', 'insight_finding_history'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (org_id = remit_current_org()) with check (org_id = remit_current_org())', t);
  end loop;
end $$;

grant select, insert, update, delete on insight_jobs to remit_app;
grant select, insert, update on insight_job_firings, insight_findings to remit_app;
grant select, insert on insight_finding_history to remit_app;
