import type { EgressVerdict } from './check-url.ts';

/** A verdict as plain JSON, for `remit egress check URL` and the audit log. */
interface VerdictExplanation {
  /** The origin only (scheme, host, port): paths and queries may hold secrets. Null if unparsable. */
  url: string | null;
  allowed: boolean;
  reason?: string;
  detail?: string;
  addresses?: string[];
}

/** Turns a verdict into a JSON-serialisable object; pure. */
export function explainVerdict(verdict: EgressVerdict): VerdictExplanation {
  const url = verdict.url && verdict.url.origin !== 'null' ? verdict.url.origin : null;
  const addresses = verdict.addresses ? { addresses: [...verdict.addresses] } : {};
  if (verdict.allowed) return { url, allowed: true, ...addresses };
  return { url, allowed: false, reason: verdict.reason, detail: verdict.detail, ...addresses };
}
