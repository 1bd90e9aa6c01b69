-- An `index` run (issue 16): checks a repository out in a sandbox, indexes it there and stores
-- its knowledge graph, with no model turn. Roles name it in run_kinds like any other kind.
alter table runs drop constraint runs_kind_check;
alter table runs add constraint runs_kind_check check (kind in ('troubleshoot', 'review', 'insight', 'index'));
