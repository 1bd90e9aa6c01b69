import type { RunEventData, RunEventType } from '@remit/core';

/** A stored run event, as listRunEvents returns it (discriminated by type). */
type EventLike = { [T in RunEventType]: { seq: number; type: T; data: RunEventData<T>; at: Date } }[RunEventType];

export interface TranscriptFacts {
  connectionNames: string[];
  modelCalls: { eventSeq: number; at: string; step: number; model: string; inputTokens: number | null; outputTokens: number | null }[];
  toolCalls: { eventSeq: number; at: string; id: string; name: string; ok: boolean | null; errorCode: string | null }[];
  denials: { eventSeq: number; at: string; id: string; name: string; connection: string | null; reason: string }[];
  egress: { eventSeq: number; at: string; connection: string; method: string; path: string; allowed: boolean; reason: string | null; status: number | null }[];
  sandbox: { eventSeq: number; at: string; type: string }[];
}

/**
 * The run's transcript reduced to what evidence needs: model, tokens, tool names and results,
 * egress decisions and sandbox lifecycle, never model text, tool input or tool output (which may
 * hold personal data or secrets read from a system).
 */
export function collectTranscriptFacts(events: readonly EventLike[]): TranscriptFacts {
  const facts: TranscriptFacts = { connectionNames: [], modelCalls: [], toolCalls: [], denials: [], egress: [], sandbox: [] };
  const results = new Map<string, { ok: boolean; errorCode: string | null }>();
  for (const e of events) if (e.type === 'tool_result') results.set(e.data.id, { ok: e.data.ok, errorCode: e.data.error?.code ?? null });
  for (const e of events) {
    const base = { eventSeq: e.seq, at: e.at.toISOString() };
    if (e.type === 'model_turn') {
      const u = e.data.usage;
      facts.modelCalls.push({ ...base, step: e.data.step, model: e.data.model, inputTokens: u?.inputTokens ?? null, outputTokens: u?.outputTokens ?? null });
    } else if (e.type === 'tool_call') {
      const r = results.get(e.data.id);
      facts.toolCalls.push({ ...base, id: e.data.id, name: e.data.name, ok: r?.ok ?? null, errorCode: r?.errorCode ?? null });
    } else if (e.type === 'tool_denied') {
      facts.denials.push({ ...base, id: e.data.id, name: e.data.name, connection: e.data.connection ?? null, reason: e.data.reason });
    } else if (e.type === 'egress') {
      const d = e.data;
      facts.egress.push({ ...base, connection: d.connection, method: d.method, path: d.path, allowed: d.allowed, reason: d.reason, status: d.status ?? null });
    } else if (e.type === 'sandbox') facts.sandbox.push({ ...base, type: e.data.type });
  }
  facts.connectionNames = [...new Set(facts.egress.map((x) => x.connection))].sort();
  return facts;
}
