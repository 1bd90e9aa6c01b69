-- A started authorization is bound to the one browser that confirmed it on Remit's page: that
-- browser holds a random value in a cookie, and only its SHA-256 is kept here. The callback is
-- refused from any other browser (login CSRF, RFC 6749 §10.12). Null until a browser confirms.
alter table oauth_states add column browser_hash text;
