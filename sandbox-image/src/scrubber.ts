import type { CredentialBundle } from '@remit/core';
import { REDACTED, createScrubber as createTextScrubber, scrubDeep } from '@remit/core/secret-matcher';

export { REDACTED, scrubDeep };

/**
 * Values shorter than this are not scrubbed: a 3-character "secret" would shred ordinary output
 * and protect nothing. Git tokens and STS keys are 20+ characters.
 */
const MIN_SECRET_CHARS = 4;

export interface Scrubber {
  /** Replaces every known spelling of every secret in `text` with REDACTED. */
  scrub(text: string): string;
  /** How many bytes past an output cap to keep so a secret straddling the cap is still caught. */
  readonly slackBytes: number;
}

/** Every secret value the bundle carries (git tokens, STS keys), for the scrubber. */
export function bundleSecretValues(bundle: CredentialBundle): string[] {
  return bundle.secrets.flatMap((secret) => Object.values(secret.values));
}

/**
 * The agent's scrubber: the same matcher the orchestrator uses (raw, percent-encoded, hex, base64
 * and base64url spellings, see @remit/core), plus how far past an output cap to read so a secret
 * straddling the cap is still caught. It guards against accidental echoes; code run by `exec`
 * could always re-encode a value it holds, which is why only the few credentials a tool must
 * hold ever enter the sandbox.
 */
export function createScrubber(secrets: Iterable<string>): Scrubber {
  const values = [...secrets].filter((s) => s.length >= MIN_SECRET_CHARS);
  return { scrub: createTextScrubber(values), slackBytes: Math.max(0, ...values.map((s) => Buffer.byteLength(s) * 3)) };
}
