import type { RunEventData } from '@remit/core';

/** A stored egress run event, as listRunEvents returns it. */
interface EgressEvent {
  seq: number;
  type: string;
  data: unknown;
  at: Date;
}

export interface EgressRequest {
  eventSeq: number;
  at: string;
  connection: string;
  method: string;
  path: string;
  allowed: boolean;
  reason: string | null;
  status: number | null;
}

/**
 * Each request the run's egress proxy decided, from the transcript: the one detail evidence
 * shows that the audit entries only summarise (run.tool_call keeps counts and denials, not
 * paths, which may name a person). Never model text, tool input or tool output.
 */
export function egressRequests(events: readonly EgressEvent[]): EgressRequest[] {
  return events
    .filter((e) => e.type === 'egress')
    .map((e) => {
      const d = e.data as RunEventData<'egress'>;
      return {
        eventSeq: e.seq,
        at: e.at.toISOString(),
        connection: d.connection,
        method: d.method,
        path: d.path,
        allowed: d.allowed,
        reason: d.reason,
        status: d.status ?? null,
      };
    });
}
