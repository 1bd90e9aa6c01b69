import { appendAudit, RunAuditAction } from '@remit/audit';
import {
  appendRunEvent,
  finishRun,
  loadGraphSnapshot,
  recordSandboxBootstrap,
  renewLease,
  saveGraphSnapshot,
  setRunStatus,
  type Database,
  type RunRecord,
} from '@remit/db';
import { createScrubber, isRemitError, type RunEventData, type RunEventType } from '@remit/core';
import { createEgressProxy, type Resolver } from '@remit/egress';
import type { ModelProvider } from '@remit/models';
import type { SecretStore } from '@remit/secrets';
import { openSandboxSession, type SandboxDriver, type SandboxSession } from '@remit/sandbox';
import type { Logger } from 'pino';
import { outcomeOfAbort, runAgentLoop, type AbortCause, type LoopOutcome } from './agent-loop.ts';
import { buildRunAccess } from './connections/build-run-access.ts';
import { GRAPH_QUERY, graphReach, runGraphQuery } from './graph/graph-query-tool.ts';
import { createRunMeter, type MeterSettings } from './model-meter.ts';
import { createRunAuditTrail } from './run-audit-trail.ts';
import { runKindModule } from './kinds/index.ts';
import { AnswerRejected, type PreparedRun } from './kinds/run-kind.ts';
import type { GithubSettings } from './review/github-settings.ts';
import { toolResultCapChars } from './tool-result-cap.ts';

export interface ExecuteRunDeps {
  db: Database;
  orgId: string;
  workerId: string;
  sandboxes: SandboxDriver;
  /** Opens a run's sandbox session (default openSandboxSession); tests wrap it to see what each sandbox was given. */
  openSandbox?: typeof openSandboxSession;
  modelFor: (run: RunRecord) => ModelProvider;
  logger: Logger;
  leaseSeconds: number;
  heartbeatMs: number;
  secrets: SecretStore;
  resolver?: Resolver | undefined;
  meter: MeterSettings;
  /** The GitHub App reviews are read and posted as; absent: review runs fail with github_not_configured. */
  github?: GithubSettings | undefined;
}

/**
 * Runs one claimed run from provisioning to its final status. Whatever happens — success, a
 * model or sandbox failure, cancel, timeout, a lost lease — the sandbox is destroyed (which also
 * spends its bootstrap token) before the run's outcome is recorded.
 */
export async function executeRun(deps: ExecuteRunDeps, run: RunRecord): Promise<LoopOutcome> {
  // The run's graph scope rides on every transaction it opens: the database shows it only the
  // knowledge graph of repositories its role's connections reach (0016), whatever a query asks.
  const ctx = { orgId: deps.orgId, userId: run.userId, graphScope: { kind: 'role' as const, roleId: run.roleId } };
  // startRun refuses kinds without a module, so a run here always has one.
  const kind = runKindModule(run.kind)!;
  const emit = <T extends RunEventType>(type: T, data: RunEventData<T>) =>
    deps.db.tenant(ctx, (sql) => appendRunEvent(sql, run.id, type, data)).then(() => undefined);
  const audit = (action: string, outcome: 'success' | 'denied' | 'error', detail: Record<string, unknown>) =>
    deps.db.tenant(ctx, (sql) => appendAudit(sql, { actorId: run.userId, action, targetType: 'run', targetId: run.id, outcome, detail })).then(() => undefined);
  const log = deps.logger.child({ runId: run.id });
  const abort = new AbortController();
  const stop = (cause: AbortCause) => abort.signal.aborted || abort.abort(cause);

  const deadline = new Date(run.startedAt ?? Date.now()).getTime() + run.maxDurationSeconds * 1000;
  const timer = setTimeout(() => stop('timed_out'), Math.max(0, deadline - Date.now()));
  let heartbeatBusy = false;
  let beatAgain = false;
  const beat = () => {
    if (heartbeatBusy) return void (beatAgain = true);
    heartbeatBusy = true;
    deps.db
      .tenant(ctx, (sql) => renewLease(sql, run.id, deps.workerId, deps.leaseSeconds))
      .then((lease) => {
        if (!lease) stop('lease_lost');
        else if (lease.cancelRequested) stop('cancelled');
      })
      .catch((err: unknown) => log.warn({ err }, 'heartbeat failed'))
      .finally(() => {
        heartbeatBusy = false;
        if (beatAgain) {
          beatAgain = false;
          beat();
        }
      });
  };
  const heartbeat = setInterval(beat, deps.heartbeatMs);
  // A cancel request is announced at commit: renew (and read the flag) now rather than at the next beat.
  const unsubscribe = deps.db.notifications.onRun(run.id, (change) => {
    if (change !== 'event') beat();
  });

  let session: SandboxSession | undefined;
  let trail: ReturnType<typeof createRunAuditTrail> | undefined;
  let outcome: LoopOutcome = { status: 'failed', reason: 'internal_error', answer: null, steps: 0 };
  let prepared: PreparedRun<Record<string, unknown>> | undefined;
  let ended = false;
  let ask: (input: string) => Promise<string | null> = () => Promise.resolve(null);
  try {
    const model = deps.modelFor(run);
    await emit('status', { status: 'provisioning' });
    if (kind.prepare) {
      const kindRun = await kind.prepare({
        run,
        log,
        emit: (type, data) => emit(type, data),
        github: deps.github,
        tenant: (fn) => deps.db.tenant(ctx, fn),
        contextWindowTokens: model.contextWindowTokens,
        saveGraph: (input) => saveGraphSnapshot(deps.db, deps.orgId, { ...input, sameConnectionOnly: true }),
        loadGraph: (repository) => deps.db.tenant(ctx, (sql) => loadGraphSnapshot(sql, deps.orgId, repository)),
      });
      if ('end' in kindRun) {
        outcome = kindRun.end;
        ended = true;
        throw new KindEnded();
      }
      prepared = kindRun;
    }
    // Opens its own short transactions: no transaction may be open while STS, GitHub or a token endpoint answers.
    const access = await buildRunAccess({ ...deps, logger: log }, run);
    if (prepared?.access) {
      const extra = prepared.access;
      access.connections.push(extra.connection);
      access.bundle.connections.push({ name: extra.connection.name, type: extra.connection.type });
      if (extra.inside) access.bundle.secrets.push(extra.inside);
      access.egressTargets.push(extra.egress);
      access.secretValues.push(...extra.secretValues);
      // The kind's own connection (a review's checkout through the GitHub App) passed its check
      // when its token was minted: recorded like the role's connections, so evidence lists it too.
      await deps.db.tenant(ctx, (sql) =>
        appendAudit(sql, {
          actorId: run.userId,
          action: RunAuditAction.connection,
          targetType: 'run',
          targetId: run.id,
          outcome: 'success',
          detail: { connectionId: null, connection: extra.connection.name, type: extra.connection.type, authMode: 'kind', verified: true, failure: null },
        }),
      );
    }
    for (const left of access.unavailable) await emit('connection_unavailable', left);
    const scrub = createScrubber(access.secretValues);
    const catalog = kind.tools(access.connections, await graphReach((fn) => deps.db.tenant(ctx, fn)));
    const auditTrail = createRunAuditTrail({
      db: deps.db,
      orgId: deps.orgId,
      run,
      connections: access.connections.map((c) => c.name),
      tools: catalog.specs.map((t) => t.name),
    });
    trail = auditTrail;
    session = await (deps.openSandbox ?? openSandboxSession)(deps.sandboxes, {
      runId: run.id,
      bundle: access.bundle,
      // The role sets the wall clock; memory, processes and CPU are the driver's defaults.
      limits: { wallSeconds: run.maxDurationSeconds },
      egress: createEgressProxy({
        targets: access.egressTargets,
        secrets: access.secretValues,
        ...(deps.resolver ? { resolver: deps.resolver } : {}),
        onDecision: (d) => {
          auditTrail.egressDecision(d);
          void emit('egress', { ...d }).catch((err: unknown) => log.warn({ err }, 'egress event lost'));
        },
        onError: (err) => log.error({ err }, 'egress proxy failed'),
      }),
      consumeBootstrapToken: (presented) => deps.db.tenant(ctx, (sql) => recordSandboxBootstrap(sql, run.id, presented)),
      onEvent: (event) => {
        void emit('sandbox', event).catch((err: unknown) => log.warn({ err, event: event.type }, 'sandbox event lost'));
        if (event.type === 'bootstrap_refused')
          void audit('sandbox.bootstrap_refused', 'denied', { reason: String(event.reason ?? 'refused') }).catch((err: unknown) =>
            log.error({ err }, 'a refused sandbox bootstrap could not be audited'),
          );
      },
    });
    const opened = session;
    const running = await deps.db.tenant(ctx, async (sql) => {
      await auditTrail.sandboxCreated(sql, opened);
      return setRunStatus(sql, run.id, deps.workerId, 'running', { sandboxId: opened.sandboxId });
    });
    if (!running) stop('lease_lost');
    await emit('status', { status: 'running', sandboxId: session.sandboxId, readyMs: Math.round(session.readyMs), model: model.label });
    const active = session;
    const stopped = await prepared?.afterSandboxReady?.((tool, input) => active.call(tool, input as never));
    if (stopped) {
      outcome = stopped;
      ended = true;
      throw new KindEnded();
    }
    const meter = createRunMeter(deps, run, model, deps.meter);
    const loopSink = {
      beforeModelCall: (request: Parameters<typeof meter.before>[0], signal: AbortSignal) => meter.before(request, signal),
      usage: (usage: Parameters<typeof meter.after>[0], latencyMs: number) => meter.after(usage, latencyMs),
    };
    // One more turn without tools, for a kind whose answer did not validate (a review's JSON).
    ask = async (input) => {
      const again = await runAgentLoop({
        model,
        system: kind.systemPrompt,
        input,
        catalog: { specs: [], offered: new Set(), connectionsFor: {} },
        executor: { call: () => Promise.reject(new Error('no tools in a repair turn')) },
        sink: { ...loopSink, event: (type, data) => emit(type, data) },
        maxSteps: 1,
        signal: abort.signal,
        scrub,
      });
      return again.answer;
    };
    outcome = await runAgentLoop({
      model,
      system: kind.systemPrompt,
      input: prepared?.input ?? run.input,
      catalog,
      // The session parses the model's input against the tool's schema before anything runs.
      executor: {
        call: (tool, input, signal) =>
          tool === GRAPH_QUERY ? runGraphQuery((fn) => deps.db.tenant(ctx, fn), input) : active.call(tool, input as never, { signal }),
      },
      // Tool calls and denials are written with their audit entries (run-audit-trail.ts).
      sink: { ...loopSink, event: (type, data) => auditTrail.loopEvent(type, data) },
      maxSteps: run.maxSteps,
      signal: abort.signal,
      scrub,
      maxToolResultChars: toolResultCapChars(model.contextWindowTokens),
    });
  } catch (err) {
    const cause = abort.signal.aborted ? (abort.signal.reason as AbortCause) : undefined;
    if (ended) log.info({ reason: outcome.reason }, 'run ended by its kind before the sandbox');
    else if (cause === 'timed_out' || cause === 'cancelled') outcome = outcomeOfAbort(cause, outcome.steps);
    else if (isRemitError(err) && err.code === 'budget_exhausted') {
      outcome = { status: 'failed', reason: 'budget_exhausted', answer: null, steps: outcome.steps };
      await emit('error', { reason: 'budget_exhausted', message: err.message }).catch((lost: unknown) => log.warn({ err: lost }, 'error event lost'));
    } else if (isModelFailure(err)) {
      outcome = { status: 'failed', reason: err.code, answer: null, steps: outcome.steps };
      await emit('error', { reason: err.code, message: err.message }).catch((lost: unknown) => log.warn({ err: lost }, 'error event lost'));
    } else {
      log.error({ err }, 'run failed');
      outcome = { status: 'failed', reason: cause === 'lease_lost' ? 'lease_lost' : 'internal_error', answer: null, steps: outcome.steps };
    }
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    unsubscribe();
    // Only a status shown while the sandbox goes: finishRun below checks the lease and records the outcome either way.
    await deps.db
      .tenant(ctx, (sql) => setRunStatus(sql, run.id, deps.workerId, 'finishing'))
      .catch((err: unknown) => log.warn({ err }, 'run not marked finishing'));
    if (session) {
      const destroyed = await session.close().then(
        () => true,
        (err: unknown) => (log.error({ err }, 'sandbox destroy failed; the reaper will retry'), false),
      );
      await trail
        ?.sandboxDestroyed({ sandboxId: session.sandboxId, destroyed })
        .catch((err: unknown) => log.error({ err }, 'the sandbox destroy could not be audited'));
    }
  }
  let result: Record<string, unknown> | null = null;
  let rejection: AnswerRejected | undefined;
  if (prepared) {
    try {
      const settled = await prepared.settle(outcome, ask);
      outcome = settled.outcome;
      result = settled.result === null ? null : kind.result.parse(settled.result);
    } catch (err) {
      log.error({ err }, 'run not settled by its kind');
      outcome = { ...outcome, status: 'failed', reason: 'settle_failed' };
    }
  } else if (outcome.answer !== null && kind.toResult) {
    try {
      result = kind.result.parse(kind.toResult(outcome.answer));
    } catch (err) {
      if (!(err instanceof AnswerRejected)) throw err;
      // An answer that fails its kind's checks only changes a run that would have succeeded.
      if (outcome.status === 'succeeded') rejection = err;
    }
  }
  const recorded = await deps.db
    .tenant(ctx, async (sql) => {
      if (!rejection && outcome.status === 'succeeded' && result && kind.deliver) rejection = await kind.deliver(sql, result, run);
      if (rejection) {
        outcome = { ...outcome, status: 'failed', reason: rejection.reason };
        result = null;
        await appendRunEvent(sql, run.id, 'error', { reason: rejection.reason, message: rejection.message });
      }
      const ok = await finishRun(sql, run.id, deps.workerId, {
        status: outcome.status,
        reason: outcome.reason,
        result,
        steps: outcome.steps,
      });
      // Rolls back what the kind delivered: a run another worker ended keeps no rows of ours.
      if (!ok) throw new OutcomeNotRecorded();
      await appendRunEvent(sql, run.id, 'status', { status: outcome.status, reason: outcome.reason, answer: outcome.answer, steps: outcome.steps });
      await appendAudit(sql, {
        actorId: run.userId,
        action: 'run.finish',
        targetType: 'run',
        targetId: run.id,
        outcome: 'success',
        detail: { status: outcome.status, reason: outcome.reason, steps: outcome.steps },
      });
      return true;
    })
    .catch((err: unknown) => {
      if (err instanceof OutcomeNotRecorded) return false;
      throw err;
    });
  if (!recorded) log.warn('run outcome not recorded: the lease was lost and another worker ended the run');
  return outcome;
}

/** Provider errors carry a literal model_* code and a message written for people; anything else is internal. */
function isModelFailure(err: unknown): err is Error & { code: string } {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('model_');
}

/** Thrown to leave the run's try block when its kind ended it before a sandbox was needed. */
class KindEnded extends Error {}

/** Thrown to roll back the finishing transaction when the lease was lost: another worker ended the run. */
class OutcomeNotRecorded extends Error {}
