/**
 * Turns the request target a sandbox sent to its egress proxy into the upstream URL, built
 * from the connection's fixed origin and base path. The target contributes a path and a query
 * only, and only once they are plainly safe: whatever a target spells, the credential the proxy
 * adds can reach no other origin and no path outside the base path.
 *
 * Accepted (RFC 9112 §3.2):
 * - origin-form, `/path?query`;
 * - absolute-form naming the connection itself, `http://<connection>[:port]/path?query` (what
 *   git sends to an `http.proxy`).
 * Everything else is refused: authority-form (CONNECT), asterisk-form, protocol-relative
 * `//host`, backslashes, userinfo, fragments, dot segments in any spelling, encoded slashes and
 * backslashes, malformed percent-escapes, and any character outside RFC 3986's path and query.
 */

type TargetRefusal =
  /** Not origin-form, nor absolute-form naming the connection. */
  | 'egress_target_form'
  /** A path or query the proxy will not forward (see the module comment). */
  | 'egress_target_path';

type UpstreamTarget = { ok: true; url: URL; path: string } | { ok: false; code: TargetRefusal; message: string };

/** RFC 3986 pchar and '/' in a path; query adds '?'. Percent-escapes are checked separately. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
const PERCENT_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
/** `%2f`, `%5c` (a server that decodes them before routing would see another path) and `%00`. */
const ENCODED_SEPARATOR = /%(2f|5c|00)/i;
const MAX_TARGET_CHARS = 8192;

/** The path and query a request may send, split; or why not. */
function splitOriginForm(target: string): { path: string; query: string } | TargetRefusal {
  if (!target.startsWith('/') || target.startsWith('//')) return 'egress_target_form';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (!PATH_CHARS.test(path) || !QUERY_CHARS.test(query.slice(1))) return 'egress_target_path';
  if (PERCENT_ESCAPE.test(target) || ENCODED_SEPARATOR.test(path)) return 'egress_target_path';
  for (const segment of path.split('/')) {
    // Tomcat and others drop `;params` before comparing segments: `..;x` is `..` there. Only
    // dots matter here, so only %2e is decoded (decodeURIComponent throws on `%ff`).
    const name = segment.split(';')[0]!.replace(/%2e/gi, '.');
    if (name === '.' || name === '..') return 'egress_target_path';
  }
  return { path, query };
}

/** The origin-form part of an absolute-form target naming `connection`, or why not. */
function absoluteToOriginForm(target: string, connection: string): string | TargetRefusal {
  const match = /^http:\/\/([^/?#]*)(.*)$/i.exec(target);
  if (match === null) return 'egress_target_form';
  const [, authority, rest] = match as unknown as [string, string, string];
  // The authority is compared as written: no userinfo, no percent-escapes, at most a port.
  const hostPort = /^([a-z0-9][a-z0-9._-]*)(?::\d{1,5})?$/i.exec(authority);
  if (hostPort === null || hostPort[1]!.toLowerCase() !== connection) return 'egress_target_form';
  return rest === '' ? '/' : rest;
}

/**
 * The upstream URL for `target` on the connection `connection` whose fixed address is
 * `baseUrl`, or a refusal with a code and a message a person can act on.
 */
export function upstreamTarget(target: string, connection: string, baseUrl: string): UpstreamTarget {
  const refuse = (code: TargetRefusal): UpstreamTarget => ({
    ok: false,
    code,
    message:
      code === 'egress_target_form'
        ? `Send requests to "${connection}" in origin form ("/path?query"), or as http://${connection}/path; other targets are refused.`
        : `The path or query is not one the egress proxy forwards (dot segments, encoded slashes, backslashes, fragments or characters outside RFC 3986 are refused).`,
  });
  if (target.length > MAX_TARGET_CHARS) return refuse('egress_target_path');
  const originForm = target.startsWith('/') ? target : absoluteToOriginForm(target, connection);
  if (originForm === 'egress_target_form' || originForm === 'egress_target_path') return refuse(originForm);
  const split = splitOriginForm(originForm);
  if (typeof split === 'string') return refuse(split);

  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${base.origin}${basePath}${split.path}${split.query}`);
  // Belt and braces: the string built above can only parse to the base origin under its path.
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) return refuse('egress_target_path');
  // An empty query ('?') is dropped by the URL serialiser; report what is really sent.
  return { ok: true, url, path: split.path + (split.query === '?' ? '' : split.query) };
}
