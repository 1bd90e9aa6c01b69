/**
 * Where a browser may be sent after signing in: a path inside the console on this origin, and
 * nothing a browser could read as another origin (`//evil`, `/\evil`, a scheme, control
 * characters, encoded slashes or backslashes). Anything else becomes `/console`.
 */
const SAFE = /^\/console(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*(?:\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$/;

export function safeReturnPath(next: string | undefined | null): string {
  if (typeof next !== 'string' || next.length > 2000 || !SAFE.test(next)) return '/console';
  // %2f, %5c and %2e can turn into / \ . in some browsers' or proxies' hands; none is needed here.
  if (/%(?:2f|5c|2e|00)/i.test(next) || next.includes('//') || /\/\.\.?(?:[/?]|$)/.test(next)) return '/console';
  return next;
}
