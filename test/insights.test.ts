import { INSIGHT_SCRIPT_MODEL, insightScript } from '@remit/api';
import type { FindingDetail } from '@remit/core';
import { createScriptedProvider, type ModelProvider, type ScriptedTurn } from '@remit/models';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack, type RunStack } from './support/run-stack.ts';

/**
 * A fake model (named as one) that replays a script chosen by the insight job a run belongs to:
 * the job's name is in the run's input. Every script's tool calls get the demo model's ids.
 */
function scriptedByJob(scripts: Record<string, ScriptedTurn[]>): ModelProvider {
  const models = new Map(Object.entries(scripts).map(([job, script]) => [job, createScriptedProvider(script, { name: INSIGHT_SCRIPT_MODEL })]));
  const [first] = models.values();
  return {
    ...first!,
    converse(request) {
      const opening = request.messages[0]?.content.find((b) => 'text' in b);
      const job = /Insight job "([^"]+)"/.exec(opening && 'text' in opening ? opening.text : '')?.[1] ?? '';
      return models.get(job)!.converse(request);
    },
  };
}

const answer = (findings: unknown[]) => ({ text: `Done.\n\`\`\`json\n${JSON.stringify({ findings })}\n\`\`\`` });
const healthCall: ScriptedTurn = { text: 'Checking health.', toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/health' } }] };
const scripts: Record<string, ScriptedTurn[]> = {
  'payments-reliability': insightScript,
  'nothing-found': [healthCall, answer([])],
  'no-json': [healthCall, { text: 'Everything looks fine to me.' }],
  'bad-evidence': [
    healthCall,
    answer([
      {
        title: 'Made up',
        severity: 'critical',
        summary: 'A finding resting on a call that never happened.',
        evidence: [{ toolCallId: `${INSIGHT_SCRIPT_MODEL}-0-0` }, { toolCallId: `${INSIGHT_SCRIPT_MODEL}-7-3`, quote: 'trust me' }],
        suggestedChange: 'Nothing.',
      },
    ]),
  ],
};

async function createJob(s: RunStack, name: string): Promise<void> {
  const res = await s.admin('/v1/admin/insight-jobs', { name, role: 'platform-engineer', schedule: '@daily', focus: 'reliability' });
  if (res.status !== 201) throw new Error(`job ${name}: ${res.status} ${await res.text()}`);
}

async function runNow(s: RunStack, name: string): Promise<string> {
  const res = await s.admin(`/v1/admin/insight-jobs/${name}/run`, undefined);
  if (res.status !== 202) throw new Error(`run-now ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function findingsOf(s: RunStack, runId: string): Promise<FindingDetail[]> {
  const token = await s.adminToken();
  const page = (await (await s.request('/v1/insights/findings', { token })).json()) as { items: { id: string; runId: string }[] };
  return Promise.all(
    page.items.filter((f) => f.runId === runId).map(async (f) => (await (await s.request(`/v1/insights/findings/${f.id}`, { token })).json()) as FindingDetail),
  );
}

async function transcript(s: RunStack, runId: string) {
  const rows = await s.db.owner((sql) =>
    sql.query<{ seq: number; type: string; data: Record<string, unknown> }>('select seq, type, data from run_events where run_id = $1 order by seq', [runId]),
  );
  return rows.rows;
}

describe('insight runs end to end (scheduler, worker, bubblewrap sandbox, scripted model)', () => {
  it('a due job fires from the worker’s scheduler, runs as its role in a sandbox, and its finding lands in the queue with evidence pointing into the transcript', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        await createJob(s, 'payments-reliability');
        // Due a minute ago: the worker's next maintenance pass (every 300 ms here) fires it.
        await s.db.owner((sql) => sql.query("update insight_jobs set next_due_at = now() - interval '1 minute' where name = 'payments-reliability'"));
        const token = await s.adminToken();
        let runId: string | undefined;
        for (const deadline = Date.now() + 20_000; !runId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
          const page = (await (await s.request('/v1/runs?kind=insight', { token })).json()) as { items: { id: string }[] };
          runId = page.items[0]?.id;
        }
        expect(runId).toBeDefined();
        const run = await s.waitForStatus(runId!, ['succeeded', 'failed']);
        expect(run).toMatchObject({
          status: 'succeeded',
          kind: 'insight',
          role: 'platform-engineer',
          userId: null,
          steps: 3,
          model: `scripted:${INSIGHT_SCRIPT_MODEL}`,
        });
        // The schedule moved on to tomorrow's due time, and fired once.
        const job = (await (await s.request('/v1/admin/insight-jobs/payments-reliability', { token })).json()) as { lastDueAt: string; nextDueAt: string };
        expect(Date.parse(job.nextDueAt)).toBeGreaterThan(Date.now());
        const fired = await s.db.owner((sql) => sql.query<{ n: number }>("select count(*)::int as n from runs where kind = 'insight'"));
        expect(fired.rows[0]!.n).toBe(1);

        // The same scoping as any run: the sandbox held the job's role's connections.
        expect(s.bundles.map((b) => b.connections.map((c) => c.name).sort())).toEqual([['payments-admin', 'payments-api']]);

        const [finding, ...more] = await findingsOf(s, runId!);
        expect(more).toEqual([]);
        expect(finding).toMatchObject({
          severity: 'high',
          status: 'new',
          job: { name: 'payments-reliability' },
          role: 'platform-engineer',
          title: expect.stringContaining('card-processor pool'),
          history: [{ from: null, to: 'new', by: null }],
        });
        const events = await transcript(s, runId!);
        for (const e of finding!.evidence) {
          const call = events.find((x) => x.seq === e.callSeq)!;
          const result = events.find((x) => x.seq === e.resultSeq)!;
          expect(call).toMatchObject({ type: 'tool_call', data: { id: e.toolCallId, name: 'http' } });
          expect(result).toMatchObject({ type: 'tool_result', data: { id: e.toolCallId, ok: true } });
        }
        expect(finding!.evidence.map((e) => (events.find((x) => x.seq === e.callSeq)!.data.input as { path: string }).path)).toEqual(['/health', '/metrics']);
        // Audited as any run: created, then finished.
        const audit = await s.db.owner((sql) => sql.query<{ action: string }>(`select action from audit_events where target_id = $1 order by seq`, [runId]));
        const actions = audit.rows.map((r) => r.action);
        expect([actions[0], actions.at(-1)]).toEqual(['run.create', 'run.finish']);
      },
      { script: [], model: scriptedByJob(scripts) },
    );
  }, 60_000);

  it('an unusable answer fails the run with a clear reason and stores nothing; an empty list succeeds with no finding', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const outcomes: Record<string, Record<string, unknown>> = {};
        for (const name of ['no-json', 'bad-evidence', 'nothing-found']) {
          await createJob(s, name);
          outcomes[name] = await s.waitForStatus(await runNow(s, name), ['succeeded', 'failed']);
        }
        expect(outcomes['no-json']).toMatchObject({ status: 'failed', statusReason: 'insight_answer_invalid' });
        expect(outcomes['bad-evidence']).toMatchObject({ status: 'failed', statusReason: 'insight_evidence_unknown' });
        expect(outcomes['nothing-found']).toMatchObject({ status: 'succeeded', statusReason: null });
        for (const name of ['no-json', 'bad-evidence']) {
          const error = (await transcript(s, String(outcomes[name]!.id))).find((e) => e.type === 'error');
          expect(error?.data, name).toMatchObject({ reason: String(outcomes[name]!.statusReason), message: expect.stringContaining('Nothing was stored') });
        }
        const stored = await s.db.owner((sql) => sql.query<{ n: number }>('select count(*)::int as n from insight_findings'));
        expect(stored.rows[0]!.n).toBe(0);
      },
      { script: [], model: scriptedByJob(scripts) },
    );
  }, 90_000);
});
