import { appendAudit } from '@remit/audit';
import { ConnectionCreate, InsightJobCreate, type RoleCreate } from '@remit/core';
import type { z } from 'zod';
import { createConnectionChecked, createInsightJobChecked, updateConnectionChecked } from '@remit/agents';
import { createBinding, createRole, findInsightJob, findRole, listBindings, listConnections, type Database, type Sql } from '@remit/db';
import type { Resolver } from '@remit/egress';
import type { SecretStore } from '@remit/secrets';
import type { Logger } from 'pino';

export const demoUsers = [
  { email: 'alice@example.com', groups: ['developers'], note: 'developer' },
  { email: 'bob@example.com', groups: ['platform-engineers'], note: 'platform-engineer' },
  { email: 'admin@example.com', groups: ['remit-admins'], note: 'admin (manages roles and connections)' },
] as const;

/** The demo's insight job: a daily reliability review of payments, as the platform-engineer role. */
export const demoInsightJob = InsightJobCreate.parse({
  name: 'payments-reliability',
  role: 'platform-engineer',
  schedule: '0 6 * * *',
  focus: 'reliability',
  guidance: 'The payments service: checkout and its card processor.',
});

/**
 * The demo org: two roles with different reach, the groups bound to them, the connections they
 * may use, and an insight job. Idempotent, so `remit demo` can run again on the same data directory.
 */
export async function seedDemo(
  deps: { db: Database; orgId: string; secrets: SecretStore; resolver?: Resolver | undefined; logger: Logger },
  options: { paymentsUrl: string; readToken: string; adminToken: string },
): Promise<{ created: string[] }> {
  const { db, orgId } = deps;
  const connections: ConnectionCreate[] = (
    [
      {
        name: 'payments-api',
        type: 'http',
        description: 'The toy payments service (read: health, logs, metrics)',
        authMode: 'service_account',
        // The toy service listens on loopback, which the egress guard refuses unless an admin allows it.
        config: { baseUrl: options.paymentsUrl, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
        secret: { token: options.readToken },
      },
      {
        name: 'payments-admin',
        type: 'http',
        description: 'Admin endpoints of the payments service (restart, feature flags)',
        authMode: 'service_account',
        config: { baseUrl: `${options.paymentsUrl}/admin`, auth: { scheme: 'bearer' }, verifyPath: '/status', allowPrivateCidrs: ['127.0.0.1/32'] },
        secret: { token: options.adminToken },
      },
    ] satisfies z.input<typeof ConnectionCreate>[]
  ).map((c) => ConnectionCreate.parse(c));
  const roles: RoleCreate[] = [
    {
      name: 'developer',
      description: 'Reads service health and logs',
      connections: ['payments-api'],
      runKinds: ['troubleshoot', 'review'],
      limits: { maxDurationSeconds: 300, maxSteps: 12 },
    },
    {
      name: 'platform-engineer',
      description: 'Everything a developer has, plus service administration',
      connections: ['payments-api', 'payments-admin'],
      runKinds: ['troubleshoot', 'review', 'insight'],
      limits: { maxDurationSeconds: 900, maxSteps: 30 },
    },
  ];
  const bindings = [
    { role: 'developer', subject: { kind: 'group' as const, group: 'developers' } },
    { role: 'platform-engineer', subject: { kind: 'group' as const, group: 'platform-engineers' } },
  ];
  const tx = <T>(fn: (sql: Sql) => Promise<T>) => db.tenant({ orgId, userId: null }, fn);
  const created: string[] = [];
  const existing = new Set((await tx(listConnections)).map((c) => c.name));
  // Sealed and verified live like any admin's connection, outside any transaction. The toy
  // service gets a new port and new tokens each start, so an existing connection is updated
  // (and verified again).
  for (const c of connections) {
    if (!existing.has(c.name)) created.push(`connection ${(await createConnectionChecked(deps, { tx, write: tx }, c)).name}`);
    else await updateConnectionChecked(deps, { tx, write: tx }, { name: c.name }, { config: c.config, secret: c.secret! });
  }
  return tx(async (sql) => {
    for (const r of roles) if (!(await findRole(sql, { name: r.name }))) created.push(`role ${(await createRole(sql, r)).name}`);
    const bound = new Set((await listBindings(sql)).map((b) => `${b.role}/${JSON.stringify(b.subject)}`));
    for (const b of bindings) {
      if (!bound.has(`${b.role}/${JSON.stringify(b.subject)}`)) created.push(`binding ${(await createBinding(sql, b)).role}`);
    }
    if (!(await findInsightJob(sql, { name: demoInsightJob.name })))
      created.push(`insight job ${(await createInsightJobChecked(sql, demoInsightJob, new Date())).name}`);
    if (created.length) await appendAudit(sql, { actorId: null, action: 'demo.seed', outcome: 'success', detail: { created } });
    return { created };
  });
}
