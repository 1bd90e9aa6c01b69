-- The web console (issue 14): browser sessions and OIDC logins in flight.

-- A signed-in browser. The cookie holds a random id; only its SHA-256 is stored, so a read of
-- this table yields no cookie anyone could present. The principal is what the login verified
-- (the IdP's ID token, or the development login); each request acts as it through the API's
-- own rules. The CSRF token is per session, sent back in every form and htmx request.
create table console_sessions (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id_hash text not null,
  user_id uuid not null,
  sub text not null,
  email text,
  groups text[] not null default '{}',
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (org_id, id_hash),
  -- A deleted user's sessions go with them.
  foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index console_sessions_expiry on console_sessions (org_id, expires_at);

-- An OIDC authorization-code login between the redirect to the IdP and its callback, keyed by
-- the SHA-256 of a short-lived cookie: state, nonce and PKCE verifier never reach the browser
-- except as the IdP needs them. Taken (deleted) by the callback, so it works once.
create table console_logins (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id_hash text not null,
  flow jsonb not null,
  expires_at timestamptz not null,
  primary key (org_id, id_hash)
);

alter table console_sessions enable row level security;
alter table console_sessions force row level security;
create policy tenant_isolation on console_sessions using (org_id = remit_current_org()) with check (org_id = remit_current_org());
alter table console_logins enable row level security;
alter table console_logins force row level security;
create policy tenant_isolation on console_logins using (org_id = remit_current_org()) with check (org_id = remit_current_org());

grant select, insert, update, delete on console_sessions, console_logins to remit_app;
