import { bearerSecurity } from './openapi-helpers.ts';

/** Every tag an operation uses, with what it groups; the reference at /docs follows this order. */
const tags = [
  { name: 'runs', description: 'Start runs, list and read them, follow their transcripts, cancel them.' },
  { name: 'identity', description: 'Who your token says you are, and the roles that gives you.' },
  {
    name: 'graph',
    description: 'The knowledge graph of indexed repositories (symbols, calls, imports, services, owners; never source), as far as your roles reach.',
  },
  { name: 'oauth', description: 'Connect your own account to a connection that acts as each user (`oauth_user`).' },
  { name: 'admin: roles', description: 'Roles: the connections they reach, the run kinds they allow, their limits. Admins only.' },
  { name: 'admin: connections', description: 'Live systems and how they authenticate; credentials are write-only. Admins only.' },
  { name: 'admin: bindings', description: 'Which IdP groups and users hold which role. Admins only.' },
  { name: 'admin: budgets', description: 'Monthly spending caps per org and per role. Admins only.' },
  { name: 'admin: sandboxes', description: 'Live sandboxes and whom each serves; kill one. Admins only.' },
  { name: 'admin: users', description: 'Find a user by email, and permanently delete their personal data (purge). Admins only.' },
  { name: 'admin: legal holds', description: 'Holds that exempt a user’s or a run’s data from retention, with who set them and why. Admins only.' },
  { name: 'admin: insight jobs', description: 'Scheduled insight jobs: the role each runs as, its cron schedule and focus; run one now. Admins only.' },
  { name: 'admin: github', description: 'GitHub accounts linked to users, webhook deliveries and what became of them, posted reviews. Admins only.' },
  { name: 'webhooks', description: 'Deliveries from the GitHub App, authenticated by their signature (no bearer token).' },
  { name: 'insights', description: 'The review queue of findings from insight runs, with each one’s evidence and status history. Admins only.' },
  { name: 'usage', description: 'Metered model usage. Admins only.' },
  { name: 'audit', description: 'The append-only, hash-chained audit log. Admins only.' },
  { name: 'health', description: 'Liveness and readiness, without a token.' },
];

/**
 * Everything in /openapi.json that is not a route: a bearer token is the default security
 * (public operations say `security: []`), and the server is this one, wherever it is reached
 * (a relative URL, so the document is right behind any proxy or host name).
 */
export const openApiConfig = {
  openapi: '3.1.0',
  info: {
    title: 'Remit API',
    version: '1.0.0',
    description:
      'Role-scoped agent sandbox orchestrator. Lists page with `limit` and an opaque `cursor` (pass back `nextCursor`); query parameters are camelCase; errors are `{"error":{"code","message"}}` with a stable `code`.',
  },
  servers: [{ url: '/', description: 'The server that serves this document' }],
  security: bearerSecurity,
  tags,
};
