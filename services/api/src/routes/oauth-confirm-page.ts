const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/**
 * The page a browser sees before it is bound to an authorization. It names the Remit user who
 * asked, so that a person who was sent someone else's link sees whose runs their account would
 * serve, and it takes a deliberate click (a same-origin POST) before anything happens.
 */
export function confirmPage(v: { connection: string; startedBy: string; providerOrigin: string }): string {
  const connection = escapeHtml(v.connection);
  const who = escapeHtml(v.startedBy);
  const provider = escapeHtml(v.providerOrigin);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Connect ${connection} — Remit</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}strong{word-break:break-all}button{font:inherit;padding:.5rem 1rem}</style></head>
<body>
<h1>Connect ${connection} to Remit</h1>
<p>Remit user <strong>${who}</strong> asked to connect their account on <strong>${provider}</strong>.
Runs started by <strong>${who}</strong> will act there as the account you approve next.</p>
<p>Continue only if you are <strong>${who}</strong> and you started this yourself a moment ago.
If someone sent you this link, close this page.</p>
<form method="post"><button type="submit">Continue to ${provider}</button></form>
</body>
</html>
`;
}

/**
 * Headers for that page. form-action must name the provider too: browsers apply it to the
 * redirect that answers the form. Referrer-Policy same-origin keeps the link (it holds the
 * state) from reaching the provider in Referer, while same-origin POSTs still carry a real
 * Origin (no-referrer would make it "null").
 */
export function confirmPageHeaders(providerOrigin: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${providerOrigin}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}
