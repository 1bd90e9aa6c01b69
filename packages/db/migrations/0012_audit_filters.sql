-- GET /v1/audit's filters (listAudit). Each index ends in seq, so a filtered page is a range
-- scan in the log's order, either way, that stops at the page size. Measured with explain
-- analyze as remit_app (RLS on) over 200,000 entries, PostgreSQL 15 and PGlite: a rare action,
-- actor or target took 25-55 ms (a walk of the primary key, or a parallel seq scan), and
-- 0.1-0.3 ms with these.

-- action=role.create uses the equality; action=connection. uses starts_with(), which the
-- planner turns into a range only on a pattern_ops index (the default collation need not sort
-- by bytes), and which, unlike LIKE, is leakproof, so RLS lets it reach the index.
create index audit_events_by_action on audit_events (org_id, action text_pattern_ops, seq);

-- actor=ID, or an email resolved to one id.
create index audit_events_by_actor on audit_events (org_id, actor_id, seq);

-- target=type:id and target=:id (an id is nearly unique, so the type filters a few rows); a
-- type alone is common enough for the primary key walk to fill a page quickly.
create index audit_events_by_target on audit_events (org_id, target_id, seq);

-- No index on at: since/until walk the primary key and skip the entries outside the window
-- (newest first, a day a month back in 200,000 entries: 24 ms; the first day: 60 ms). The
-- planner never chose an (org_id, at) index for an ordered page: it cannot know that at
-- grows with seq, and it does not strictly (appendAudit stamps at before taking its lock).
