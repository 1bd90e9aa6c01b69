import { RoleCreate } from '@remit/core';
import { createRole, createRun } from '@remit/db';
import { withTestDb } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { createRunAuditTrail } from './run-audit-trail.ts';

describe('the run’s audit trail', () => {
  it('records names the run does not own as null, caps the denials listed, and audits a tool call its run’s stop cut short', async () => {
    await withTestDb(async ({ db, orgA }) => {
      const run = await db.tenant({ orgId: orgA, userId: null }, async (sql) => {
        const role = await createRole(sql, RoleCreate.parse({ name: 'oncall', runKinds: ['troubleshoot'] }));
        const input = { kind: 'troubleshoot' as const, roleId: role.id, userId: null, trigger: { type: 'schedule' }, input: 'x' };
        return createRun(sql, { ...input, maxDurationSeconds: 60, maxSteps: 5 });
      });
      const trail = createRunAuditTrail({ db, orgId: orgA, run, connections: ['payments'], tools: ['exec', 'http'] });
      const denied = (connection: string, method: string) => ({ connection, method, path: '/x', allowed: false, reason: 'egress_denied' });

      // The model names a tool and a connection of its own invention, with someone's email in them.
      await trail.loopEvent('tool_denied', { id: 't0', name: 'mail_bob@example.com', connection: 'bob@example.com', reason: 'tool_not_offered' });
      await trail.loopEvent('tool_call', { id: 't1', name: 'exec', input: { command: ['curl'] } });
      trail.egressDecision({ connection: 'payments', method: 'GET', path: '/ok', allowed: true, reason: null, status: 200 });
      for (let i = 0; i < 25; i++) trail.egressDecision(denied(i === 0 ? 'payments' : `carol${i}@example.com`, i === 1 ? 'G E T' : 'POST'));
      await trail.loopEvent('tool_result', { id: 't1', name: 'exec', ok: true, output: { exitCode: 0 } });
      // The next call never returns: the run is stopped while it runs.
      await trail.loopEvent('tool_call', { id: 't2', name: 'http', input: { connection: 'payments', path: '/slow' } });
      trail.egressDecision(denied('payments', 'GET'));
      await trail.sandboxDestroyed({ sandboxId: 'sbx-1', destroyed: true });

      const rows = await db.owner((sql) =>
        sql.query<{ action: string; outcome: string; detail: Record<string, unknown> }>(
          'select action, outcome, detail from audit_events where target_id = $1 order by seq',
          [run.id],
        ),
      );
      expect(rows.rows.map((r) => [r.action, r.outcome])).toEqual([
        ['run.tool_denied', 'denied'],
        ['run.tool_call', 'success'],
        ['run.tool_call', 'error'],
        ['run.sandbox_destroy', 'success'],
      ]);
      const [refused, ran, cut, destroyed] = rows.rows.map((r) => r.detail);
      expect(refused).toEqual({ id: 't0', tool: null, connection: null, reason: 'tool_not_offered' });
      expect(ran).toMatchObject({ id: 't1', tool: 'exec', connection: null, ok: true, errorCode: null, egress: { allowed: 1, denied: 25 } });
      const denials = (ran!.egress as { denials: { connection: string | null; method: string }[] }).denials;
      expect(denials).toHaveLength(20);
      expect(denials.slice(0, 3)).toEqual([
        { connection: 'payments', method: 'POST', reason: 'egress_denied' },
        { connection: null, method: 'other', reason: 'egress_denied' },
        { connection: null, method: 'POST', reason: 'egress_denied' },
      ]);
      expect(cut).toEqual({
        id: 't2',
        tool: 'http',
        connection: 'payments',
        ok: false,
        errorCode: 'run_stopped',
        egress: { allowed: 0, denied: 1, denials: [{ connection: 'payments', method: 'GET', reason: 'egress_denied' }] },
      });
      expect(destroyed).toEqual({ sandboxId: 'sbx-1', destroyed: true, egressOutsideToolCalls: { allowed: 0, denied: 0, denials: [] } });
      expect(JSON.stringify(rows.rows)).not.toMatch(/example\.com/);
    });
  });
});
