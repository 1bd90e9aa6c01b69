import { saveGraphSnapshot } from '@remit/db';
import { paymentsSnapshot } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack, type RunStack } from './support/run-stack.ts';

type Event = { type: string; data: Record<string, unknown> };

async function transcript(s: RunStack, runId: string): Promise<Event[]> {
  const rows = await s.db.owner((sql) => sql.query<Event>('select type, data from run_events where run_id = $1 order by seq', [runId]));
  return rows.rows;
}

const results = (events: Event[]) => events.filter((e) => e.type === 'tool_result' && e.data.name === 'graph_query').map((e) => e.data);

describe('graph_query in a run (bubblewrap sandbox, scripted model)', () => {
  it('answers from the graph of repositories the role reaches; another role’s repository is not found; a role reaching none is not offered the tool', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        await s.admin('/v1/admin/roles', { name: 'observer', connections: [], runKinds: ['troubleshoot'] });
        await s.admin('/v1/admin/bindings', { role: 'observer', subject: { kind: 'group', group: 'observers' } });
        const ids = await s.db.owner((sql) => sql.query<{ id: string; name: string }>('select id, name from connections'));
        const connection = (name: string) => ids.rows.find((c) => c.name === name)!.id;
        // The developer reaches payments-api; payments-admin is the platform engineer's alone.
        await saveGraphSnapshot(s.db, s.orgId, { connectionId: connection('payments-api'), snapshot: paymentsSnapshot() });
        await saveGraphSnapshot(s.db, s.orgId, { connectionId: connection('payments-admin'), snapshot: { ...paymentsSnapshot(), repository: 'acme/admin' } });
        await saveGraphSnapshot(s.db, s.orgId, { connectionId: null, snapshot: { ...paymentsSnapshot(), repository: 'local/payments' } });

        const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
        const run = await s.startRun(alice, { kind: 'troubleshoot', input: 'who calls charge?' });
        expect(await s.waitForStatus(run, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
        const [repositories, symbols, callers, forged, badInput] = results(await transcript(s, run));
        expect(repositories).toMatchObject({ ok: true, output: { repositories: [{ name: 'acme/payments', connection: 'payments-api', symbols: 4 }] } });
        const found = (symbols!.output as { symbols: { repository: string; id: string }[] }).symbols;
        expect(found.map((x) => `${x.repository} ${x.id}`)).toEqual(['acme/payments src/ledger.ts#Ledger.charge']);
        expect(callers).toMatchObject({ ok: true, output: { callers: [{ from: 'src/server.ts#handle', resolved: true }, { resolved: false }] } });
        // The admin repository exists, and its symbol too: for this role it is simply not there.
        expect(forged).toMatchObject({ ok: false, error: { code: 'not_found' } });
        expect(JSON.stringify(forged)).not.toContain('handle');
        expect(badInput).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

        const olive = await s.tokenFor({ email: 'olive@example.com', groups: ['observers'] });
        const blind = await s.startRun(olive, { kind: 'troubleshoot', input: 'who calls charge?' });
        expect(await s.waitForStatus(blind, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
        const events = await transcript(s, blind);
        expect(results(events)).toEqual([]);
        expect(events.filter((e) => e.type === 'tool_denied').map((e) => e.data)).toEqual(
          Array.from({ length: 5 }, () => expect.objectContaining({ name: 'graph_query', reason: 'tool_not_offered' })),
        );
      },
      {
        script: [
          { toolCalls: [{ name: 'graph_query', input: { query: 'repositories' } }] },
          { toolCalls: [{ name: 'graph_query', input: { query: 'find_symbol', name: 'charge', match: 'exact' } }] },
          { toolCalls: [{ name: 'graph_query', input: { query: 'callers', repository: 'acme/payments', symbol: 'src/ledger.ts#Ledger.charge' } }] },
          { toolCalls: [{ name: 'graph_query', input: { query: 'callers', repository: 'acme/admin', symbol: 'src/ledger.ts#Ledger.charge' } }] },
          { toolCalls: [{ name: 'graph_query', input: { query: 'callers', repository: 'acme/payments' } }] },
          { text: 'Ledger.charge is called by handle in src/server.ts.' },
        ],
      },
    );
    // Two runs, each with its own sandbox, on a shared 2-core machine.
  }, 90_000);
});
