-- Foundation schema. Runs as the owner with search_path set to the Remit schema.
-- Every tenant table carries org_id, has RLS enabled AND forced, and one policy keyed on the
-- transaction-local setting remit.org_id ('' or unset means no org, which matches nothing).
-- Child rows reference parents through (org_id, id) so a row can never point across orgs.

create function remit_current_org() returns uuid
  language sql stable
  as $$ select nullif(current_setting('remit.org_id', true), '')::uuid $$;

create table orgs (
  org_id uuid primary key,
  slug text not null unique,
  name text not null,
  created_at timestamptz not null default now()
);

create table users (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid() primary key,
  sub text not null,
  email text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  unique (org_id, sub),
  unique (org_id, id)
);

create table roles (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid() primary key,
  name text not null,
  description text not null default '',
  run_kinds text[] not null,
  max_duration_seconds integer not null check (max_duration_seconds between 10 and 86400),
  max_steps integer not null check (max_steps between 1 and 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name),
  unique (org_id, id)
);

create table connections (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid() primary key,
  name text not null,
  type text not null check (type in ('http', 'github', 'aws')),
  description text not null default '',
  auth_mode text not null check (auth_mode in ('service_account', 'oauth_user')),
  config jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, name),
  unique (org_id, id)
);

create table role_connections (
  org_id uuid not null,
  role_id uuid not null,
  connection_id uuid not null,
  primary key (role_id, connection_id),
  foreign key (org_id, role_id) references roles (org_id, id) on delete cascade,
  foreign key (org_id, connection_id) references connections (org_id, id) on delete restrict
);

create table role_bindings (
  org_id uuid not null,
  id uuid not null default gen_random_uuid() primary key,
  role_id uuid not null,
  subject_kind text not null check (subject_kind in ('group', 'user')),
  subject text not null,
  created_at timestamptz not null default now(),
  unique (org_id, subject_kind, subject, role_id),
  foreign key (org_id, role_id) references roles (org_id, id) on delete restrict
);

create table runs (
  org_id uuid not null,
  id uuid not null default gen_random_uuid() primary key,
  kind text not null check (kind in ('troubleshoot', 'review', 'insight')),
  role_id uuid not null,
  user_id uuid,
  trigger jsonb not null,
  input text not null,
  status text not null default 'queued'
    check (status in ('queued', 'provisioning', 'running', 'finishing', 'succeeded', 'failed', 'cancelled', 'timed_out')),
  status_reason text,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, id),
  foreign key (org_id, role_id) references roles (org_id, id) on delete restrict,
  foreign key (org_id, user_id) references users (org_id, id) on delete set null (user_id)
);

create table run_events (
  org_id uuid not null,
  run_id uuid not null,
  seq integer not null,
  type text not null,
  data jsonb not null,
  at timestamptz not null default now(),
  primary key (run_id, seq),
  foreign key (org_id, run_id) references runs (org_id, id) on delete cascade
);

create table model_calls (
  org_id uuid not null,
  id uuid not null default gen_random_uuid() primary key,
  run_id uuid,
  model text not null,
  input_tokens integer not null default 0,
  output_tokens integer not null default 0,
  latency_ms integer not null default 0,
  cost_usd numeric(14, 6) not null default 0,
  at timestamptz not null default now(),
  foreign key (org_id, run_id) references runs (org_id, id) on delete set null (run_id)
);

-- The audit chain. Only non-personal fields are hashed; personal data sits in audit_personal,
-- which a deletion request may clear without breaking the chain.
create table audit_events (
  org_id uuid not null references orgs (org_id),
  seq bigint not null,
  at timestamptz not null,
  actor_id uuid,
  action text not null,
  target_type text,
  target_id text,
  outcome text not null check (outcome in ('success', 'denied', 'error')),
  request_id text,
  detail jsonb not null,
  prev_hash text not null,
  hash text not null,
  primary key (org_id, seq)
);

create table audit_personal (
  org_id uuid not null,
  seq bigint not null,
  data jsonb not null,
  primary key (org_id, seq),
  foreign key (org_id, seq) references audit_events (org_id, seq)
);

-- Append-only, even for a careless owner: tampering needs the trigger disabled first.
create function audit_events_append_only() returns trigger
  language plpgsql
  as $$ begin raise exception 'audit_events is append-only' using errcode = 'insufficient_privilege'; end $$;
create trigger audit_events_no_update before update or delete on audit_events
  for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_append_only();

do $$
declare t text;
begin
  foreach t in array array['orgs', 'users', 'roles', 'connections', 'role_connections', 'role_bindings',
                           'runs', 'run_events', 'model_calls', 'audit_events', 'audit_personal'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (org_id = remit_current_org()) with check (org_id = remit_current_org())', t);
  end loop;
end $$;

grant select on orgs to remit_app;
grant select, insert, update, delete on users, roles, connections, role_connections, role_bindings, runs, run_events, model_calls to remit_app;
-- Personal data beside the chain may be erased, never rewritten.
grant select, insert, delete on audit_personal to remit_app;
grant select, insert on audit_events to remit_app;
grant execute on function remit_current_org() to remit_app;
