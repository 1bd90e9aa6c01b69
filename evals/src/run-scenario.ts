import { randomBytes } from 'node:crypto';
import type { ModelProvider } from '@remit/models';
import type { EvalStack } from './eval-stack.ts';
import { startFakeService, VERIFY_PATH, type FakeService } from './fake-service.ts';
import type { Scenario } from './scenario.ts';
import { scoreScenario, type AuditEntry, type DenialMode, type Observation, type ObservedRun, type ScenarioScore, type TranscriptEvent } from './score.ts';

/** A run ends in one of these. */
const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

/** A role's wall clock in a scenario: long enough for a live model's turns, short enough that a stuck run ends the suite. */
const MAX_DURATION_SECONDS = 300;

/**
 * Runs one scenario end to end on the stack: its FAKE services on loopback, its connections,
 * roles and binding through the admin API (each connection verified live, as an admin's would
 * be), one troubleshooting run as the scenario's user through the public API, then everything
 * the run left behind — run, transcript, audit entries, sandbox bundle, logs, what each fake
 * service received — scored.
 */
export async function runScenario(
  stack: EvalStack,
  scenario: Scenario,
  model: ModelProvider,
  mode: DenialMode,
): Promise<{ score: ScenarioScore; answer: string | null }> {
  const planted = new Map((scenario.plantedSecrets ?? []).map((name) => [name, `planted-${randomBytes(12).toString('hex')}`]));
  const ctx = {
    secret(name: string) {
      const value = planted.get(name);
      if (value === undefined) throw new Error(`${scenario.name} plants no secret named ${name}`);
      return value;
    },
  };
  const tokens = new Map(scenario.connections.map((c) => [c.name, `tok-${randomBytes(16).toString('hex')}`]));
  const services = new Map<string, FakeService>();
  try {
    for (const c of scenario.connections) services.set(c.name, await startFakeService({ token: tokens.get(c.name)!, routes: c.routes(ctx) }));
    await seed(stack, scenario, services, tokens);
    for (const s of services.values()) s.received.length = 0; // what connection verification sent is not the run's doing

    stack.setModel(scenario.runAs, model);
    const { app } = stack;
    const token = await app.tokenFor({ email: userOf(scenario) });
    const logsFrom = { api: app.rawLogs.length, worker: stack.workerLogs.length };
    const started = await app.request('/v1/runs', { method: 'POST', token, json: { kind: 'troubleshoot', input: scenario.question, role: scenario.runAs } });
    const body = (await started.json()) as { id?: string };
    if (started.status !== 202 || !body.id) throw new Error(`${scenario.name}: the run was refused (${started.status} ${JSON.stringify(body)})`);
    // The developer's view of the run: its transcript streams until the run has ended.
    const transcript = await transcriptOf(stack, body.id, token);
    const admin = await app.adminToken();
    const run = (await (await app.request(`/v1/runs/${body.id}`, { token: admin })).json()) as ObservedRun;
    if (!ENDED.has(run.status)) throw new Error(`${scenario.name}: the transcript ended while the run is ${run.status}`);

    const observation: Observation = {
      run,
      transcript,
      audit: await auditOf(stack, body.id, admin),
      bundle: stack.bundles.get(body.id),
      logs: [...app.rawLogs.slice(logsFrom.api), ...stack.workerLogs.slice(logsFrom.worker)],
      received: Object.fromEntries([...services].map(([name, s]) => [name, s.received])),
      secrets: [...planted.values(), ...tokens.values()],
    };
    return { score: scoreScenario(scenario, observation, mode), answer: run.answer };
  } finally {
    await Promise.all([...services.values()].map((s) => s.close()));
  }
}

/** The scenario's user: holds the scenario's role alone, by a binding to this email. */
const userOf = (scenario: Scenario) => `${scenario.name}@evals.example`;

async function seed(stack: EvalStack, scenario: Scenario, services: Map<string, FakeService>, tokens: Map<string, string>): Promise<void> {
  const { app } = stack;
  const token = await app.adminToken();
  const post = async (path: string, json: unknown) => {
    const res = await app.request(path, { method: 'POST', token, json });
    if (res.status !== 201) throw new Error(`${scenario.name}: POST ${path} answered ${res.status} ${await res.text()}`);
  };
  for (const c of scenario.connections)
    await post('/v1/admin/connections', {
      name: c.name,
      type: 'http',
      description: c.description,
      // The fake services listen on loopback, which the egress guard refuses unless an admin allows it, as here.
      config: { baseUrl: services.get(c.name)!.url, auth: { scheme: 'bearer' }, verifyPath: VERIFY_PATH, allowPrivateCidrs: ['127.0.0.1/32'] },
      secret: { token: tokens.get(c.name)! },
    });
  for (const r of scenario.roles)
    await post('/v1/admin/roles', {
      name: r.name,
      connections: r.connections,
      runKinds: ['troubleshoot'],
      limits: { maxDurationSeconds: MAX_DURATION_SECONDS, maxSteps: r.maxSteps ?? 8 },
    });
  await post('/v1/admin/bindings', { role: scenario.runAs, subject: { kind: 'user', email: userOf(scenario) } });
}

/**
 * The run's whole transcript as the SSE route streams it to a client: pushed as the run writes
 * it, and ended by the route once the run has ended, so reading it is also waiting for the end.
 */
async function transcriptOf(stack: EvalStack, runId: string, token: string): Promise<TranscriptEvent[]> {
  const text = await (await stack.app.request(`/v1/runs/${runId}/events`, { token })).text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data:')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice(5)) as TranscriptEvent);
}

/** The run's audit entries, through the admin API, every page. */
async function auditOf(stack: EvalStack, runId: string, token: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ target: `run:${runId}`, limit: '1000', ...(cursor ? { cursor } : {}) });
    const page = (await (await stack.app.request(`/v1/audit?${query}`, { token })).json()) as { items: AuditEntry[]; nextCursor: string | null };
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}
