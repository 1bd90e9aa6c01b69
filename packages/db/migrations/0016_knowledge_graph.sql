-- The knowledge graph (issue 16): per repository, the files, symbols, edges, service facts and
-- CODEOWNERS rules an indexing run read off its code (never source), as @remit/graph's
-- GraphSnapshot describes them. Every row carries org_id and its repository.
--
-- Scoping is the database's, not only the code's. Besides the org (remit.org_id), a transaction
-- names whose graph it may read in remit.graph_scope, set per transaction like the org
-- (transaction-settings.ts):
--   'org'         every repository of the org: admins, and the store itself (the only scope that writes);
--   'role:<uuid>' a run: repositories read through a connection its role reaches;
--   'user'        a person: repositories read through a connection of any role bound to remit.user_id
--                 (by email or by a group of their last verified token, as roleNamesFor resolves them);
--   '' or unset   nothing.
-- A repository without a connection (a local development path) is reached by no role: only the
-- 'org' scope reads it. Child tables see exactly the rows of the repositories their reader sees.

create function remit_graph_scope() returns text
  language sql stable
  as $$ select coalesce(current_setting('remit.graph_scope', true), '') $$;

-- The connections the current scope reaches through roles ('role:' and 'user' scopes).
create function remit_graph_connections() returns uuid[]
  language sql stable
  as $$
    select coalesce(array_agg(distinct rc.connection_id), '{}')
      from role_connections rc
     where case
             when remit_graph_scope() like 'role:%' then rc.role_id = substr(remit_graph_scope(), 6)::uuid
             when remit_graph_scope() = 'user' then rc.role_id in (
               select b.role_id
                 from users u
                 join role_bindings b on (b.subject_kind = 'group' and b.subject = any (u.groups))
                                      or (b.subject_kind = 'user' and b.subject = lower(u.email))
                where u.id = nullif(current_setting('remit.user_id', true), '')::uuid)
             else false
           end
  $$;

create table graph_repositories (
  org_id uuid not null references orgs (org_id) on delete cascade,
  id uuid not null default gen_random_uuid() primary key,
  -- e.g. acme/payments (GitHub) or local/payments (a local path).
  name text not null,
  -- The connection the repository is read through; null for a local development path. Deleting
  -- the connection deletes the graph read through it: nobody could be scoped to it any more.
  connection_id uuid,
  commit text not null,
  indexed_at timestamptz not null default now(),
  -- When the scheduled re-index last queued work for it, so replicas and rounds queue it once.
  reindex_queued_at timestamptz,
  file_count integer not null default 0,
  symbol_count integer not null default 0,
  edge_count integer not null default 0,
  fact_count integer not null default 0,
  unique (org_id, name),
  unique (org_id, id),
  foreign key (org_id, connection_id) references connections (org_id, id) on delete cascade
);
create index graph_repositories_by_connection on graph_repositories (org_id, connection_id);

create table graph_files (
  org_id uuid not null,
  repository_id uuid not null,
  path text not null,
  language text not null,
  size bigint not null,
  sha256 text not null,
  primary key (repository_id, path),
  foreign key (org_id, repository_id) references graph_repositories (org_id, id) on delete cascade
);

-- Names and ids compare bytewise (collate "C"): a prefix search is an index range, and a page's
-- order is the same on every server, whatever its locale.
create table graph_symbols (
  org_id uuid not null,
  repository_id uuid not null,
  symbol_id text collate "C" not null,
  path text not null,
  name text collate "C" not null,
  qualified_name text not null,
  kind text not null,
  signature text not null,
  exported boolean not null,
  line integer not null,
  end_line integer not null,
  doc text,
  foreign key (org_id, repository_id) references graph_repositories (org_id, id) on delete cascade
);
-- Symbol ids run to 1,400 characters, past what a btree entry may hold in a multi-byte script, so
-- lookups by id go through md5(id), always beside the repository: with both equalities in one
-- index the planner takes it even before ANALYZE has seen a bulk load (PGlite never analyzes on
-- its own). With a hash index on the id alone it scanned the repository's 510k edges instead:
-- callers of one symbol took 660 ms on PGlite, measured.
create index graph_symbols_by_id on graph_symbols (repository_id, md5(symbol_id));
create index graph_symbols_by_name on graph_symbols (repository_id, name);
create index graph_symbols_by_kind on graph_symbols (repository_id, kind, name);
create index graph_symbols_by_path on graph_symbols (repository_id, path);

create table graph_edges (
  org_id uuid not null,
  repository_id uuid not null,
  path text not null,
  kind text not null,
  from_ref text not null,
  to_ref text not null,
  -- The last identifier of to_ref (`charge` of `src/pay.ts#Ledger.charge` or `ledger.charge`):
  -- finds the unresolved calls that may mean a symbol.
  to_name text collate "C",
  -- For a resolved edge, the file its target lives in: what imports a module, whichever of its symbols.
  to_path text,
  resolved boolean not null,
  line integer not null,
  foreign key (org_id, repository_id) references graph_repositories (org_id, id) on delete cascade
);
create index graph_edges_from on graph_edges (repository_id, md5(from_ref));
create index graph_edges_to on graph_edges (repository_id, md5(to_ref));
create index graph_edges_by_to_name on graph_edges (repository_id, to_name) where not resolved;
create index graph_edges_by_to_path on graph_edges (repository_id, to_path) where resolved;
create index graph_edges_by_path on graph_edges (repository_id, path);

create table graph_facts (
  org_id uuid not null,
  repository_id uuid not null,
  path text not null,
  kind text not null,
  line integer not null,
  method text,
  target text not null,
  symbol_ref text,
  foreign key (org_id, repository_id) references graph_repositories (org_id, id) on delete cascade
);
create index graph_facts_by_kind on graph_facts (repository_id, kind, target);
create index graph_facts_by_path on graph_facts (repository_id, path);

create table graph_owners (
  org_id uuid not null,
  repository_id uuid not null,
  line integer not null,
  pattern text not null,
  owners text[] not null,
  primary key (repository_id, line),
  foreign key (org_id, repository_id) references graph_repositories (org_id, id) on delete cascade
);

alter table graph_repositories enable row level security;
alter table graph_repositories force row level security;
create policy graph_read on graph_repositories for select
  using (org_id = remit_current_org() and (remit_graph_scope() = 'org' or connection_id = any (remit_graph_connections())));

-- array(select …) is uncorrelated, so the visible repositories are read once per statement (an
-- InitPlan), under graph_repositories' own policy, and the indexes above lead with repository_id.
do $$
declare t text;
begin
  foreach t in array array['graph_files', 'graph_symbols', 'graph_edges', 'graph_facts', 'graph_owners'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy graph_read on %I for select using (org_id = remit_current_org() and repository_id = any (array(select id from graph_repositories)))', t);
  end loop;
  foreach t in array array['graph_repositories', 'graph_files', 'graph_symbols', 'graph_edges', 'graph_facts', 'graph_owners'] loop
    execute format($f$create policy graph_write on %I using (org_id = remit_current_org() and remit_graph_scope() = 'org')
                      with check (org_id = remit_current_org() and remit_graph_scope() = 'org')$f$, t);
  end loop;
end $$;

grant select, insert, update, delete on graph_repositories, graph_files, graph_symbols, graph_edges, graph_facts, graph_owners to remit_app;
grant execute on function remit_graph_scope(), remit_graph_connections() to remit_app;
