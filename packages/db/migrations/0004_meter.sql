-- Budgets and the meter. Every model call reserves its estimated cost against each capped
-- scope (org, role, user) for the current month before it runs, and settles with its real cost
-- after. A reservation is one conditional UPDATE per scope that refuses to pass the cap; the
-- row lock makes concurrent reservations queue, so they cannot overspend together.

create table budgets (
  org_id uuid not null references orgs (org_id) on delete cascade,
  scope text not null check (scope in ('org', 'role', 'user')),
  scope_key text not null,
  monthly_cap_usd numeric(14, 6) not null check (monthly_cap_usd >= 0),
  updated_at timestamptz not null default now(),
  primary key (org_id, scope, scope_key)
);

create table budget_usage (
  org_id uuid not null references orgs (org_id) on delete cascade,
  scope text not null,
  scope_key text not null,
  period_start date not null,
  reserved_usd numeric(14, 6) not null default 0,
  spent_usd numeric(14, 6) not null default 0,
  primary key (org_id, scope, scope_key, period_start)
);

alter table model_calls
  add column status text not null default 'settled' check (status in ('reserved', 'settled', 'released')),
  add column reserved_usd numeric(14, 6) not null default 0,
  add column period_start date,
  add column role_id uuid,
  add column user_id uuid,
  add column cache_read_tokens integer not null default 0,
  add column cache_write_tokens integer not null default 0,
  add column settled_at timestamptz;

create index model_calls_open on model_calls (org_id, at) where status = 'reserved';

-- Token buckets for burst limits; tokens refill continuously at rate_per_second.
create table rate_buckets (
  org_id uuid not null references orgs (org_id) on delete cascade,
  bucket text not null,
  tokens double precision not null,
  refilled_at timestamptz not null,
  primary key (org_id, bucket)
);

do $$
declare t text;
begin
  foreach t in array array['budgets', 'budget_usage', 'rate_buckets'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (org_id = remit_current_org()) with check (org_id = remit_current_org())', t);
  end loop;
end $$;

grant select, insert, update, delete on budgets, budget_usage, rate_buckets to remit_app;
