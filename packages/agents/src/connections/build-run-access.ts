import { appendAudit, RunAuditAction } from '@remit/audit';
import type { CredentialBundle } from '@remit/core';
import { findOAuthGrant, getConnectionRecord, getRole, markConnectionsVerified, type Database, type Sql } from '@remit/db';
import type { EgressTarget } from '@remit/egress';
import type { RunConnection } from '../tool-catalog.ts';
import { recordRefresh, sealTokens, type SealedTokens } from './oauth-tokens.ts';
import { openRunConnection, type OpenConnectionDeps, type PlannedConnection, type Refresh } from './open-run-connection.ts';
import { deleteSealed } from './sealed-secrets.ts';
import type { Transact } from './transact.ts';

interface RunAccessDeps extends OpenConnectionDeps {
  db: Database;
}

interface RunAccess {
  /** The connections the model is offered: the role's, minus any that failed their check. */
  connections: RunConnection[];
  /** What the egress proxy may forward, with the credentials it adds outside the sandbox. */
  egressTargets: EgressTarget[];
  /** What the sandbox agent itself receives: connection names, and only credentials a tool inside must hold. */
  bundle: CredentialBundle;
  /** Every secret value the run holds, for scrubbing whatever the model or the transcript sees. */
  secretValues: string[];
  /** Connections left out of the run, with the reason the transcript shows. */
  unavailable: { name: string; reason: string }[];
}

type Run = { id: string; roleId: string; userId: string | null };

/**
 * The one place a run's access is built from its role, in three steps so that no transaction is
 * open while STS, GitHub, a token endpoint or an upstream takes its time: read the role, its
 * connections and the user's grants (one short transaction); open each connection's credentials
 * and check it live (open-run-connection.ts, no transaction); record the checks and any
 * refreshed tokens (one short transaction). Credentials are split between the egress proxy
 * (HTTP credentials, never inside the sandbox) and the bundle (git tokens, STS keys).
 */
export async function buildRunAccess(deps: RunAccessDeps, run: Run): Promise<RunAccess> {
  const tx: Transact = (fn) => deps.db.tenant({ orgId: deps.orgId, userId: run.userId }, fn);
  const planned = await tx((sql) => readRoleConnections(sql, run));
  const access: RunAccess = { connections: [], egressTargets: [], bundle: { runId: run.id, connections: [], secrets: [] }, secretValues: [], unavailable: [] };
  const checks: ConnectionCheck[] = [];
  const refreshes: Refresh[] = [];
  for (const p of planned) {
    const { name, type, description } = p.record;
    const opened = await openRunConnection(deps, run, p);
    if (opened.refresh) refreshes.push(opened.refresh);
    checks.push({ id: p.record.id, name, type, authMode: p.record.authMode, failure: opened.ok ? null : opened.failure });
    if (!opened.ok) {
      access.unavailable.push({ name, reason: opened.reason });
      continue;
    }
    access.connections.push({ name, type, description });
    access.bundle.connections.push({ name, type });
    if (opened.grant.egress) access.egressTargets.push({ name, ...opened.grant.egress });
    if (opened.grant.inside) access.bundle.secrets.push(opened.grant.inside);
    access.secretValues.push(...opened.secretValues);
  }
  await recordChecks(deps, tx, run, checks, refreshes);
  return access;
}

async function readRoleConnections(sql: Sql, run: Run): Promise<PlannedConnection[]> {
  const role = await getRole(sql, { id: run.roleId });
  const planned: PlannedConnection[] = [];
  for (const name of role.connections) {
    const record = await getConnectionRecord(sql, { name });
    // Only this user's grant is ever read.
    const grant = record.authMode === 'oauth_user' && run.userId ? await findOAuthGrant(sql, record.id, run.userId) : undefined;
    planned.push({ record, grant });
  }
  return planned;
}

/** One connection's live check for this run; `failure` is a code, null when it passed. */
interface ConnectionCheck {
  id: string;
  name: string;
  type: string;
  authMode: string;
  failure: string | null;
}

/**
 * When each connection last passed its check, each check as the run's run.connection audit
 * entry, and users' refreshed tokens: sealed first, then recorded in one short transaction.
 */
async function recordChecks(deps: RunAccessDeps, tx: Transact, run: Run, checks: ConnectionCheck[], refreshes: Refresh[]): Promise<void> {
  const sealed: { tokens: SealedTokens; previousRef: string }[] = [];
  for (const r of refreshes) {
    try {
      sealed.push({ tokens: await sealTokens(deps, tx, { id: r.connectionId }, run.userId!, r.tokens, r.previousRefresh), previousRef: r.previousRef });
    } catch (err) {
      // This run still has its token; the next one refreshes again, unless the provider rotated the refresh token.
      deps.logger.error(
        { err, connectionId: r.connectionId, code: 'user_tokens_not_sealed' },
        'a refreshed OAuth token could not be sealed; the user may have to authorize again',
      );
    }
  }
  let unreferenced: string[];
  try {
    unreferenced = await tx(async (sql) => {
      await markConnectionsVerified(
        sql,
        checks.filter((c) => c.failure === null).map((c) => c.id),
      );
      const out: string[] = [];
      for (const s of sealed) out.push(...(await recordRefresh(sql, s.tokens, s.previousRef)));
      for (const c of checks)
        await appendAudit(sql, {
          actorId: run.userId,
          action: RunAuditAction.connection,
          targetType: 'run',
          targetId: run.id,
          outcome: c.failure === null ? 'success' : 'error',
          detail: { connectionId: c.id, connection: c.name, type: c.type, authMode: c.authMode, verified: c.failure === null, failure: c.failure },
        });
      return out;
    });
  } catch (err) {
    await deleteSealed(
      deps,
      tx,
      sealed.map((s) => s.tokens.secretRef),
    );
    throw err;
  }
  await deleteSealed(deps, tx, unreferenced);
}
