import { SecretValue } from '../secret-value.ts';

const FORMAT = 'remit.secret/1';

/**
 * The SecretString Remit writes: a small JSON document naming its format and its ref beside the
 * value. The ref binds the value to its name, as the local vault's AAD does, so a value copied
 * into another ref's secret is refused; and the empty string, which Secrets Manager does not
 * accept as a SecretString, is stored like any other value.
 */
export function sealStoredValue(ref: string, value: SecretValue): string {
  return JSON.stringify({ format: FORMAT, ref, value: value.reveal() });
}

/** The value of a SecretString written by sealStoredValue for `ref`, or undefined. */
export function openStoredValue(ref: string, secretString: string | undefined): SecretValue | undefined {
  if (typeof secretString !== 'string') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(secretString);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const { format, ref: storedRef, value } = doc as Record<string, unknown>;
  if (format !== FORMAT || storedRef !== ref || typeof value !== 'string') return undefined;
  return new SecretValue(value);
}
