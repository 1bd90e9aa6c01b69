-- Indexes for the API's lists, which page by keyset (never OFFSET): each page is an index
-- range scan that starts where the previous page ended.

-- GET /v1/runs for an admin: newest first, ties broken by id (runs_by_user serves one user's).
create index runs_newest on runs (org_id, created_at desc, id desc);

-- Every run in a list shows what its model calls used, summed per run.
create index model_calls_by_run on model_calls (run_id);
