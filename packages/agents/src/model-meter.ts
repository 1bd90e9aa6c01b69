import { appendAudit, RunAuditAction } from '@remit/audit';
import { CodedError, costUsd, priceFor, RemitError, type ModelPrices, type RateLimits } from '@remit/core';
import { enforceRateLimits, releaseStaleReservations, reserveModelCall, settleModelCall, type Database } from '@remit/db';
import type { ConverseRequest, Usage } from '@remit/models';

export interface MeterSettings {
  prices: ModelPrices;
  rateLimits: RateLimits;
  /** The output cap the provider is called with; the estimate assumes it is reached. */
  maxOutputTokens: number;
  now?: () => Date;
}

/**
 * A model the meter cannot price. Configuration refuses such a model at start (REMIT_MODEL_PRICES),
 * so this only meets a provider chosen in code; its `model_` code ends the run with this reason,
 * never as budget_exhausted, since no budget was asked.
 */
class MeterError extends CodedError<'model_not_priced'> {
  constructor(code: 'model_not_priced', message: string) {
    super('MeterError', code, message);
  }
}

/** Unsettled reservations older than this were left by a crash; the worker's sweep releases them. */
const STALE_RESERVATION_SECONDS = 15 * 60;

// ~4 characters per token for English and JSON; the estimate only has to err high, the settle is exact.
const estimateInputTokens = (request: Pick<ConverseRequest, 'system' | 'messages' | 'tools'>) =>
  Math.ceil((request.system.length + JSON.stringify(request.messages).length + JSON.stringify(request.tools).length) / 4);

/**
 * Meters one run's model calls: before each call, the burst limits (waiting out a short
 * refusal) and a reservation of the call's worst-case cost against every capped budget; after
 * it, a settle with the real usage and its run.model_call audit entry. A budget refusal ends the run as budget_exhausted; a model
 * with no price, as model_not_priced.
 */
export function createRunMeter(
  deps: { db: Database; orgId: string },
  run: { id: string; roleId: string; userId: string | null },
  model: { modelId: string },
  settings: MeterSettings,
) {
  const ctx = { orgId: deps.orgId, userId: run.userId };
  const now = () => settings.now?.() ?? new Date();
  const price = priceFor(settings.prices, model.modelId);
  let open: { callId: string } | undefined;
  return {
    async before(request: Pick<ConverseRequest, 'system' | 'messages' | 'tools'>, signal: AbortSignal): Promise<void> {
      if (!price)
        throw new MeterError('model_not_priced', `No price is configured for model ${model.modelId}; set REMIT_MODEL_PRICES so its calls can be metered.`);
      const { modelCalls: limits } = settings.rateLimits;
      for (;;) {
        try {
          await deps.db.tenant(ctx, (sql) =>
            enforceRateLimits(
              sql,
              [
                ['calls:org', limits.org],
                [`calls:role:${run.roleId}`, limits.role],
                ...(run.userId ? [[`calls:user:${run.userId}`, limits.user] as const] : []),
              ],
              now(),
            ),
          );
          break;
        } catch (err) {
          if (!(err instanceof RemitError) || err.code !== 'rate_limited') throw err;
          // Inside a run, a burst limit means "wait", bounded by the run's own deadline.
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, Number(err.details?.retryAfterSeconds ?? 1) * 1000);
            signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
          });
        }
      }
      const estimateUsd = costUsd(price, { inputTokens: estimateInputTokens(request), outputTokens: settings.maxOutputTokens });
      open = await deps.db.tenant(ctx, (sql) =>
        reserveModelCall(sql, { runId: run.id, roleId: run.roleId, userId: run.userId, model: model.modelId, estimateUsd, at: now() }),
      );
    },
    async after(usage: Usage, latencyMs: number): Promise<void> {
      if (!open || !price) return;
      const call = open;
      open = undefined;
      const full = {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadInputTokens ?? 0,
        cacheWriteTokens: usage.cacheWriteInputTokens ?? 0,
      };
      const settled = { ...full, costUsd: costUsd(price, full), latencyMs: Math.round(latencyMs) };
      await deps.db.tenant(ctx, async (sql) => {
        if (!(await settleModelCall(sql, call.callId, settled))) return;
        // One entry per call, in the settle's transaction: the evidence of a run's model use is what was metered.
        await appendAudit(sql, {
          actorId: run.userId,
          action: RunAuditAction.modelCall,
          targetType: 'run',
          targetId: run.id,
          outcome: 'success',
          detail: { callId: call.callId, model: model.modelId, ...settled },
        });
      });
    },
  };
}

/** The sweep for reservations whose caller crashed before settling. */
export function sweepStaleReservations(db: Database, orgId: string): Promise<number> {
  return db.tenant({ orgId, userId: null }, (sql) => releaseStaleReservations(sql, STALE_RESERVATION_SECONDS));
}
