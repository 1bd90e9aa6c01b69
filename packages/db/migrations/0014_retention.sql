-- Retention and legal holds (issue 15). A maintenance pass de-identifies or deletes, per data
-- class, what is older than its retention period (packages/agents/src/retention/), in small
-- batches; these indexes let each batch find its rows without a scan, and legal holds exempt
-- a user's or a run's data from it.

-- A held user or run: nothing of theirs is removed by retention while the hold is active
-- (released_at is null). Exactly one subject per hold; several holds (several matters) may
-- name the same subject. Holds are released, never deleted, so who held what, why and for how
-- long stays on record (remit_app has no DELETE).
create table legal_holds (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid() primary key,
  user_id uuid,
  run_id uuid,
  reason text not null check (length(reason) between 1 and 1000),
  set_by uuid,
  set_at timestamptz not null default now(),
  released_at timestamptz,
  released_by uuid,
  check ((user_id is null) <> (run_id is null)),
  check (released_by is null or released_at is not null)
  -- No foreign key to users or runs: a hold is a record in its own right and outlives whatever
  -- happens to its subject, and it must not turn a user's tombstoning into a constraint error.
  -- createLegalHold checks that the subject exists in the org (under row-level security).
);
-- Retention asks "is this user or run held?" for every row it considers.
create index legal_holds_active_user on legal_holds (org_id, user_id) where released_at is null and user_id is not null;
create index legal_holds_active_run on legal_holds (org_id, run_id) where released_at is null and run_id is not null;
create index legal_holds_newest on legal_holds (org_id, set_at desc, id desc);

-- When a finished run's transcript was deleted and its row de-identified; null: not yet. The
-- pass's batches select on it, so an interrupted pass resumes where it stopped.
alter table runs add column transcript_purged_at timestamptz;
create index runs_transcript_due on runs (org_id, finished_at) where transcript_purged_at is null and finished_at is not null;

-- Model calls whose user is still named (billing keeps the rest).
create index model_calls_user_due on model_calls (org_id, at) where user_id is not null;

-- Processed deliveries that still carry their payload or author (the id stays as a replay guard).
create index webhook_deliveries_personal_due on webhook_deliveries (org_id, received_at)
  where outcome <> 'received' and (payload is not null or author_login is not null);

alter table legal_holds enable row level security;
alter table legal_holds force row level security;
create policy tenant_isolation on legal_holds using (org_id = remit_current_org()) with check (org_id = remit_current_org());

grant select, insert, update on legal_holds to remit_app;
