import { troubleshootScript } from '@remit/api';
import { RunEvent, defaultRateLimits } from '@remit/core';
import { errorOf } from '@remit/api/testing';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack, type RunStack } from './support/run-stack.ts';

async function events(s: RunStack, runId: string, token: string, lastEventId?: number) {
  const res = await s.request(`/v1/runs/${runId}/events`, { token, headers: lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {} });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map(
      (block) =>
        JSON.parse(
          block
            .split('\n')
            .find((l) => l.startsWith('data:'))!
            .slice(5),
        ) as { seq: number; type: string; data: Record<string, unknown> },
    );
}

async function liveSandboxes(s: RunStack, runId: string) {
  return (await s.driver.list()).filter((x) => x.runId === runId && x.alive);
}

describe('runs end to end (bubblewrap sandbox, scripted model)', () => {
  it('troubleshoots the toy service as the developer role, streams the transcript and destroys the sandbox', async () => {
    {
      await withRunStack(
        async (s) => {
          await seedRoles(s);
          const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
          const runId = await s.startRun(alice, { kind: 'troubleshoot', input: 'why is checkout failing?' });
          const run = await s.waitForStatus(runId, ['succeeded', 'failed']);
          expect(run).toMatchObject({ status: 'succeeded', role: 'developer', steps: 5, userEmail: 'alice@example.com', model: 'scripted:e2e' });
          expect(run.durationMs).toBeGreaterThan(0);
          expect((run.usage as { calls: number }).calls).toBe(5);
          expect(String(run.answer)).toContain('card processor is timing out');

          const transcript = await events(s, runId, alice);
          const types = transcript.map((e) => e.type);
          expect(transcript.map((e) => e.seq)).toEqual(transcript.map((_, i) => i + 1));
          // Every event the worker and the API wrote has the shape its type documents.
          for (const e of transcript) expect(RunEvent.safeParse(e).error).toBeUndefined();
          expect(transcript.filter((e) => e.type === 'status').map((e) => e.data.status)).toEqual(['queued', 'provisioning', 'running', 'succeeded']);
          expect(types).toContain('tool_call');
          expect(transcript.find((e) => e.type === 'status' && e.data.status === 'running')!.data.model).toMatch(/scripted.*not a real model/);
          // exec'd code reached the connection through the egress socket, and found the fault.
          const counted = transcript.find((e) => e.type === 'tool_result' && e.data.name === 'exec')!;
          expect(JSON.stringify(counted.data.output)).toContain('cardProcessorTimeouts');

          // The model asked for payments-admin, outside the developer role: a tool error, audited, never sent.
          const denied = transcript.find((e) => e.type === 'tool_denied')!;
          expect(denied.data).toMatchObject({ connection: 'payments-admin', reason: 'connection_not_in_role' });
          const audit = await s.db.owner((sql) => sql.query<{ action: string }>(`select action from audit_events where action like 'run.%' order by seq`));
          // Each model call and tool call has its own entry, as do the connection check and the sandbox (evidence proves them).
          expect(audit.rows.map((r) => r.action)).toEqual([
            'run.create',
            'run.connection',
            'run.sandbox_create',
            ...['run.model_call', 'run.tool_call', 'run.model_call', 'run.tool_call', 'run.model_call', 'run.tool_call'],
            ...['run.model_call', 'run.tool_denied', 'run.model_call'],
            'run.sandbox_destroy',
            'run.finish',
          ]);

          // The developer's sandbox was never told about the platform-engineer-only connection.
          expect(s.bundles).toHaveLength(1);
          expect(s.bundles[0]!.connections.map((c) => c.name)).toEqual(['payments-api']);
          expect(JSON.stringify(s.bundles[0])).not.toContain('payments-admin');

          // Resuming from Last-Event-ID sends only what came after.
          const resumed = await events(s, runId, alice, 3);
          expect(resumed[0]!.seq).toBe(4);
          expect(resumed).toHaveLength(transcript.length - 3);

          expect(await liveSandboxes(s, runId)).toEqual([]);
        },
        { script: troubleshootScript },
      );
    }
  });

  it('authorizes every run: a role is needed, must be held, must allow the kind, and must be chosen when several apply', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const nobody = await s.tokenFor({ email: 'nobody@example.com' });
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const both = await s.tokenFor({ email: 'both@example.com', groups: ['developers', 'platform'] });
        const post = (token: string, json: unknown) => s.request('/v1/runs', { method: 'POST', token, json });
        expect(await errorOf(await post(nobody, { kind: 'troubleshoot', input: 'x' }))).toMatchObject({ status: 403, code: 'no_role' });
        expect(await errorOf(await post(dev, { kind: 'troubleshoot', input: 'x', role: 'platform-engineer' }))).toMatchObject({
          status: 403,
          code: 'role_not_held',
        });
        expect(await errorOf(await post(dev, { kind: 'insight', input: 'x' }))).toMatchObject({ status: 403, code: 'kind_not_allowed' });
        const choose = await errorOf(await post(both, { kind: 'troubleshoot', input: 'x' }));
        expect(choose).toMatchObject({ status: 400, code: 'role_required' });
        expect(choose.message).toContain('developer, platform-engineer');
        expect(await errorOf(await post(dev, { kind: 'troubleshoot', input: '   ' }))).toMatchObject({ status: 400, code: 'validation_failed' });
        expect(await errorOf(await post(dev, { kind: 'deploy', input: 'x' }))).toMatchObject({ status: 400, code: 'validation_failed' });
        const runs = await s.db.owner((sql) => sql.query('select count(*)::int n from runs'));
        expect(runs.rows[0]).toEqual({ n: 0 });

        // A user sees only their own runs; an admin sees all.
        const mine = await s.startRun(both, { kind: 'troubleshoot', input: 'x', role: 'platform-engineer' });
        const list = async (token: string) => ((await (await s.request('/v1/runs', { token })).json()) as { items: { id: string }[] }).items.map((r) => r.id);
        expect(await list(both)).toEqual([mine]);
        expect(await list(dev)).toEqual([]);
        expect(await list(await s.adminToken())).toEqual([mine]);
        expect((await s.request(`/v1/runs/${mine}`, { token: dev })).status).toBe(404);
        expect((await s.request(`/v1/runs/${mine}/events`, { token: dev })).status).toBe(404);
        expect((await s.request(`/v1/runs/${mine}/cancel`, { method: 'POST', token: dev })).status).toBe(404);
      },
      { script: [{ text: 'done' }], settings: { pollMs: 60_000 } },
    );
  });

  it('cancels a running run within 1 s (p95 of 5), pushed to the worker rather than seen at its next heartbeat', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const took: number[] = [];
        for (let i = 0; i < 5; i++) {
          const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'hang' });
          await s.waitForStatus(runId, ['running']);
          await expect.poll(async () => (await liveSandboxes(s, runId)).length, { timeout: 10_000 }).toBe(1);
          // The exec is under way (its tool_call event is written just before it runs).
          const toolCalls = () =>
            s.db.owner((sql) => sql.query("select 1 from run_events where run_id = $1 and type = 'tool_call'", [runId]).then((r) => r.rows.length));
          await expect.poll(toolCalls, { timeout: 10_000 }).toBe(1);
          const started = performance.now();
          const res = await s.request(`/v1/runs/${runId}/cancel`, { method: 'POST', token: dev });
          expect(res.status).toBe(202);
          expect(await s.waitForStatus(runId, ['cancelled', 'failed', 'succeeded'])).toMatchObject({ status: 'cancelled', statusReason: 'cancelled_by_user' });
          took.push(performance.now() - started);
          expect(await liveSandboxes(s, runId)).toEqual([]);
          expect(await errorOf(await s.request(`/v1/runs/${runId}/cancel`, { method: 'POST', token: dev }))).toMatchObject({
            status: 409,
            code: 'run_finished',
          });
        }
        // With 5 samples the p95 is the slowest. The heartbeat is 10 s apart here, so only the push can meet this.
        expect(Math.max(...took)).toBeLessThan(1000);
        // Each exec the cancel cut short still has its audit entry, before the sandbox's destruction.
        const audit = await s.db.owner((sql) =>
          sql.query<{ action: string; detail: Record<string, unknown> }>(
            `select action, detail from audit_events where action in ('run.tool_call', 'run.sandbox_destroy') order by seq`,
          ),
        );
        expect(audit.rows).toEqual(
          Array.from({ length: 5 }, () => [
            { action: 'run.tool_call', detail: expect.objectContaining({ tool: 'exec', ok: false }) },
            { action: 'run.sandbox_destroy', detail: expect.objectContaining({ destroyed: true }) },
          ]).flat(),
        );
      },
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['sleep', '60'], timeoutMs: 60_000 } }] }], settings: { leaseSeconds: 30 } },
    );
  });

  it('cancels a queued run at once, before any sandbox exists', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        await s.worker.stop(); // a worker would claim the run the moment it is queued
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        expect(await (await s.request(`/v1/runs/${runId}/cancel`, { method: 'POST', token: dev })).json()).toEqual({ id: runId, status: 'cancelled' });
        expect(s.bundles).toEqual([]);
      },
      { script: [{ text: 'never' }] },
    );
  });

  it('enforces the role’s max duration: the run times out and its sandbox is destroyed', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        await s.worker.stop(); // claim only after the limit below is in place
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'hang' });
        // Roles allow at least 10 s; shorten this run's snapshot of the limit to keep the test fast.
        await s.db.owner((sql) => sql.query('update runs set max_duration_seconds = 2 where id = $1', [runId]));
        s.startWorker();
        expect(await s.waitForStatus(runId, ['timed_out', 'failed', 'succeeded'])).toMatchObject({
          status: 'timed_out',
          statusReason: 'max_duration_exceeded',
        });
        expect(await liveSandboxes(s, runId)).toEqual([]);
      },
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['sleep', '60'], timeoutMs: 60_000 } }] }] },
    );
  });

  it('enforces the role’s max steps', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        await s.request('/v1/admin/roles/developer', {
          method: 'PATCH',
          token: await s.adminToken(),
          json: { limits: { maxDurationSeconds: 60, maxSteps: 2 } },
        });
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'loop' });
        expect(await s.waitForStatus(runId, ['failed', 'succeeded'])).toMatchObject({ status: 'failed', statusReason: 'max_steps_exceeded', steps: 2 });
        expect(await liveSandboxes(s, runId)).toEqual([]);
      },
      { script: Array.from({ length: 5 }, () => ({ toolCalls: [{ name: 'exec', input: { command: ['true'] } }] })) },
    );
  });

  it('a sandbox failure mid-run fails the run cleanly and the tool error reaches the model first', async () => {
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        const run = await s.waitForStatus(runId, ['failed', 'succeeded']);
        expect(run.status).toBe('succeeded');
        const transcript = await events(s, runId, dev);
        expect(transcript.find((e) => e.type === 'tool_result')!.data).toMatchObject({ ok: false });
        expect(await liveSandboxes(s, runId)).toEqual([]);
      },
      // Killing every process the agent can see ends with the agent itself gone.
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['sh', '-c', 'kill -9 -1'] } }] }, { text: 'the sandbox died' }] },
    );
  });

  it('code inside the sandbox cannot bootstrap a second agent on the run’s channel; the attempt is refused and audited', async () => {
    const impostor = `
      const net = require('node:net');
      const s = net.connect('/run/remit/channel.sock', () => s.write(JSON.stringify({ type: 'hello', token: 'A'.repeat(43), agentVersion: 'evil' }) + '\\n'));
      s.on('data', (d) => { process.stdout.write(d.toString()); s.end(); });
      s.on('error', (e) => { console.log('error ' + e.message); });
    `;
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const runId = await s.startRun(dev, { kind: 'troubleshoot', input: 'x' });
        expect(await s.waitForStatus(runId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });
        const transcript = await events(s, runId, dev);
        const result = transcript.find((e) => e.type === 'tool_result')!;
        expect(JSON.stringify(result.data)).toContain('refused');
        const audit = await s.db.owner((sql) =>
          sql.query<{ action: string; outcome: string }>(`select action, outcome from audit_events where action = 'sandbox.bootstrap_refused'`),
        );
        expect(audit.rows).toEqual([{ action: 'sandbox.bootstrap_refused', outcome: 'denied' }]);
      },
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['node', '-e', impostor], timeoutMs: 10_000 } }] }, { text: 'done' }] },
    );
  });

  it('limits bursts of new runs per user: exactly the capacity at once, then the refill rate, with 429 and Retry-After', async () => {
    let clock = new Date('2026-11-23T10:00:00Z');
    const limits = { ...defaultRateLimits, runs: { ...defaultRateLimits.runs, user: { capacity: 3, refillPerSecond: 0.1 } } };
    await withRunStack(
      async (s) => {
        await seedRoles(s);
        const dev = await s.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const post = () => s.request('/v1/runs', { method: 'POST', token: dev, json: { kind: 'troubleshoot', input: 'x' } });
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await post()).status);
        expect(statuses).toEqual([202, 202, 202, 429, 429]);
        const limited = await post();
        expect(limited.headers.get('retry-after')).toBe('10');
        expect(await errorOf(limited)).toMatchObject({ status: 429, code: 'rate_limited' });
        // A refused request writes nothing.
        expect((await s.db.owner((sql) => sql.query('select count(*)::int n from runs'))).rows[0]).toEqual({ n: 3 });
        clock = new Date(clock.getTime() + 10_000);
        expect((await post()).status).toBe(202);
        expect((await post()).status).toBe(429);
        // Another user has a bucket of their own.
        const other = await s.tokenFor({ email: 'other@example.com', groups: ['developers'] });
        expect((await s.request('/v1/runs', { method: 'POST', token: other, json: { kind: 'troubleshoot', input: 'x' } })).status).toBe(202);
      },
      { script: [], settings: { pollMs: 60_000 }, rateLimits: limits, now: () => clock },
    );
  });
});
