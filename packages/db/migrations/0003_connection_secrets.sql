-- Connections keep a reference to their sealed credentials (never the values), their OAuth
-- client settings, and when they last passed a live verification. Users' own OAuth tokens are
-- sealed per user; only references and expiry live here.

alter table connections
  add column secret_ref text,
  add column oauth jsonb,
  add column verified_at timestamptz;

create table oauth_grants (
  org_id uuid not null,
  connection_id uuid not null,
  user_id uuid not null,
  secret_ref text not null,
  expires_at timestamptz,
  scopes text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (connection_id, user_id),
  foreign key (org_id, connection_id) references connections (org_id, id) on delete cascade,
  foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);

-- A started authorization: the state value is the key; the PKCE verifier is sealed with it.
create table oauth_states (
  org_id uuid not null,
  state_hash text primary key,
  connection_id uuid not null,
  user_id uuid not null,
  code_verifier_ref text not null,
  redirect_uri text not null,
  expires_at timestamptz not null,
  foreign key (org_id, connection_id) references connections (org_id, id) on delete cascade,
  foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);

do $$
declare t text;
begin
  foreach t in array array['oauth_grants', 'oauth_states'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy tenant_isolation on %I using (org_id = remit_current_org()) with check (org_id = remit_current_org())', t);
  end loop;
end $$;

grant select, insert, update, delete on oauth_grants, oauth_states to remit_app;
