-- Role and connection names are never shaped like a UUID, so an API path segment that looks
-- like an id is one, and a lookup by name can never land on another row's id (or the reverse).
-- The API refuses such names first (Slug in @remit/core, 422 name_looks_like_id); this guards
-- every other writer (seeding, imports, an owner at a psql prompt).
-- NOT VALID: an existing deployment that already holds such a name still migrates; that row
-- stays reachable by its id, and no new one can be written.
alter table roles
  add constraint roles_name_not_id_shaped
  check (name !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') not valid;
alter table connections
  add constraint connections_name_not_id_shaped
  check (name !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') not valid;
