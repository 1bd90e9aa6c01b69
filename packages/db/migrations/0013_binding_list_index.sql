-- GET /v1/admin/bindings pages by (role name, subject kind, subject): listBindings walks roles
-- in name order and reads each role's bindings from here, already in subject order, so a page
-- reads about as many rows as it returns. The unique (org_id, subject_kind, subject, role_id)
-- index serves the other way in (a subject's roles). It also serves the foreign-key
-- check on (org_id, role_id) when a role is deleted.
create index role_bindings_by_role on role_bindings (org_id, role_id, subject_kind, subject);
