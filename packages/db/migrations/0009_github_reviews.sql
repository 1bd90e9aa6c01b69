-- Code review on GitHub pull requests (issue 12).

-- The IdP groups a user's last verified token carried. A review starts from a webhook, with no
-- token at hand, so the author's roles are resolved from the groups they last signed in with.
alter table users add column groups text[] not null default '{}';

-- Which Remit user a GitHub account is: linked by the user through GitHub OAuth (verified), or
-- set by an admin. `role` picks the role reviews of their pull requests run as, when they hold
-- several that may start review runs.
create table github_links (
  org_id uuid not null references orgs (org_id) on delete cascade,
  github_id bigint not null,
  github_login text not null,
  user_id uuid not null,
  role_id uuid references roles (id) on delete set null,
  linked_by text not null check (linked_by in ('oauth', 'admin')),
  created_at timestamptz not null default now(),
  primary key (org_id, github_id),
  foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index github_links_login on github_links (org_id, lower(github_login));
create index github_links_user on github_links (org_id, user_id);

-- Every delivery, recorded with its payload by GitHub's delivery id before it is acknowledged
-- (an inbox: a replay finds its row and does nothing; a crash after the acknowledgement loses
-- nothing). It is processed after the answer; the payload is dropped once it has been, and what
-- became of it (a queued run, or why not) is kept for admins.
create table webhook_deliveries (
  org_id uuid not null references orgs (org_id) on delete cascade,
  source text not null check (source in ('github')),
  delivery_id text not null,
  event text not null,
  action text,
  -- The body exactly as GitHub signed it (text, not jsonb: no re-encoding on the acknowledgement's path).
  payload text,
  outcome text not null check (outcome in ('received', 'queued', 'skipped', 'ignored')),
  reason text,
  repository text,
  pull_number integer,
  head_sha text,
  author_login text,
  run_id uuid,
  received_at timestamptz not null default now(),
  primary key (org_id, source, delivery_id)
);
create index webhook_deliveries_received on webhook_deliveries (org_id, received_at desc);
create index webhook_deliveries_pending on webhook_deliveries (org_id, received_at) where outcome = 'received';

-- One review per (repository, pull request, head commit), whatever number of deliveries and
-- commands ask for it: the primary key is the lock.
create table pull_request_reviews (
  org_id uuid not null references orgs (org_id) on delete cascade,
  repository_id bigint not null,
  repository text not null,
  pull_number integer not null,
  head_sha text not null,
  installation_id bigint not null,
  run_id uuid not null,
  status text not null check (status in ('queued', 'reviewing', 'posted', 'superseded', 'failed', 'skipped')),
  detail text,
  review_id bigint,
  review_url text,
  check_run_id bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, repository_id, pull_number, head_sha)
);
create unique index pull_request_reviews_run on pull_request_reviews (org_id, run_id);

alter table github_links enable row level security;
alter table github_links force row level security;
create policy tenant_isolation on github_links using (org_id = remit_current_org()) with check (org_id = remit_current_org());
alter table webhook_deliveries enable row level security;
alter table webhook_deliveries force row level security;
create policy tenant_isolation on webhook_deliveries using (org_id = remit_current_org()) with check (org_id = remit_current_org());
alter table pull_request_reviews enable row level security;
alter table pull_request_reviews force row level security;
create policy tenant_isolation on pull_request_reviews using (org_id = remit_current_org()) with check (org_id = remit_current_org());

grant select, insert, update, delete on github_links, webhook_deliveries, pull_request_reviews to remit_app;
