import { appendAudit, RunAuditAction } from '@remit/audit';
import type { RunEventData, RunEventType } from '@remit/core';
import { appendRunEvent, type Database, type Sql } from '@remit/db';
import type { EgressDecision } from '@remit/egress';

/**
 * What a run's egress proxy decided during one tool call (or outside any): counts, and each
 * denial by connection, method and reason. Never the path or query, which may name a person;
 * the transcript keeps those for 90 days.
 */
interface EgressSummary {
  allowed: number;
  denied: number;
  denials: { connection: string | null; method: string; reason: string | null }[];
}

// A loop of denied requests must not make one audit entry unbounded; the counts stay exact.
const MAX_DENIALS_LISTED = 20;
const HTTP_METHOD = /^[A-Z]{1,16}$/;

type ToolEventType = Extract<RunEventType, 'model_turn' | 'tool_call' | 'tool_result' | 'tool_denied'>;

interface RunAuditTrailOptions {
  db: Database;
  orgId: string;
  run: { id: string; userId: string | null };
  /** The run's connection names: anything else the model or the sandbox names is recorded as null, so no free text reaches hashed bytes. */
  connections: readonly string[];
  /** The tools the run offers the model; a tool name outside them is recorded as null, for the same reason. */
  tools: readonly string[];
}

/**
 * The run's own audit entries beside its transcript: one run.tool_call per tool the sandbox ran
 * (with its egress decisions), one run.tool_denied per refused call, each written in the same
 * transaction as its run event; run.sandbox_create and run.sandbox_destroy. Details hold names
 * from the role, codes and numbers only, since the chain keeps them forever.
 */
export function createRunAuditTrail(o: RunAuditTrailOptions) {
  const ctx = { orgId: o.orgId, userId: o.run.userId };
  const known = new Set(o.connections);
  const knownConnection = (name: unknown) => (typeof name === 'string' && known.has(name) ? name : null);
  const tools = new Set(o.tools);
  const knownTool = (name: string) => (tools.has(name) ? name : null);
  const audit = (sql: Sql, action: string, outcome: 'success' | 'denied' | 'error', detail: Record<string, unknown>) =>
    appendAudit(sql, { actorId: o.run.userId, action, targetType: 'run', targetId: o.run.id, outcome, detail });

  let outside = emptySummary();
  let current: { id: string; tool: string | null; connection: string | null; egress: EgressSummary } | undefined;
  const toolCallEntry = async (sql: Sql, ok: boolean, errorCode: string | null) => {
    const { id, tool, connection, egress } = current!;
    current = undefined;
    await audit(sql, RunAuditAction.toolCall, ok ? 'success' : 'error', { id, tool, connection, ok, errorCode, egress });
  };

  return {
    /** The egress proxy's observer: counted against the tool call running now, else against the sandbox. */
    egressDecision(d: EgressDecision): void {
      const into = current?.egress ?? outside;
      if (d.allowed) into.allowed += 1;
      else {
        into.denied += 1;
        if (into.denials.length < MAX_DENIALS_LISTED)
          into.denials.push({ connection: knownConnection(d.connection), method: HTTP_METHOD.test(d.method) ? d.method : 'other', reason: d.reason });
      }
    },

    /** Persists one of the loop's events; a tool result or a denial together with its audit entry. */
    async loopEvent<T extends ToolEventType>(type: T, data: RunEventData<T>): Promise<void> {
      if (type === 'tool_call') {
        const call = data as RunEventData<'tool_call'>;
        current = { id: call.id, tool: knownTool(call.name), connection: knownConnection(call.input.connection), egress: emptySummary() };
      }
      await o.db.tenant(ctx, async (sql) => {
        await appendRunEvent(sql, o.run.id, type, data);
        if (type === 'tool_result' && current) {
          const result = data as RunEventData<'tool_result'>;
          await toolCallEntry(sql, result.ok, result.error?.code ?? null);
        } else if (type === 'tool_denied') {
          const denied = data as RunEventData<'tool_denied'>;
          await audit(sql, RunAuditAction.toolDenied, 'denied', {
            id: denied.id,
            tool: knownTool(denied.name),
            connection: knownConnection(denied.connection),
            reason: denied.reason,
          });
        }
      });
    },

    /** run.sandbox_create, inside the caller's transaction (the one that marks the run running). */
    sandboxCreated(sql: Sql, sandbox: { sandboxId: string; readyMs: number }): Promise<unknown> {
      return audit(sql, RunAuditAction.sandboxCreate, 'success', { sandboxId: sandbox.sandboxId, readyMs: Math.round(sandbox.readyMs) });
    },

    /**
     * run.sandbox_destroy, with the egress decided outside any tool call (a review's checkout); a
     * tool call the run's stop cut short (cancel, timeout) gets its entry first, as `run_stopped`.
     */
    async sandboxDestroyed(sandbox: { sandboxId: string; destroyed: boolean }): Promise<void> {
      const egress = outside;
      outside = emptySummary();
      await o.db.tenant(ctx, async (sql) => {
        if (current) await toolCallEntry(sql, false, 'run_stopped');
        await audit(sql, RunAuditAction.sandboxDestroy, sandbox.destroyed ? 'success' : 'error', {
          sandboxId: sandbox.sandboxId,
          destroyed: sandbox.destroyed,
          egressOutsideToolCalls: egress,
        });
      });
    },
  };
}

function emptySummary(): EgressSummary {
  return { allowed: 0, denied: 0, denials: [] };
}
