import type { SecretRef, SecretScope } from './secret-ref.ts';
import type { SecretValue } from './secret-value.ts';

/**
 * Where secrets live: the local AES-256-GCM vault, or Secrets Manager with a KMS key on AWS.
 * Every method validates the ref first (secret_ref_invalid) and fails only with SecretError.
 */
export interface SecretStore {
  /** Stores `value` under `ref`, replacing any earlier value; returns the new version's id. */
  put(ref: SecretRef, value: SecretValue): Promise<{ version: string }>;
  /** The current value; secret_not_found if there is none, secret_corrupt if it fails its check. */
  get(ref: SecretRef): Promise<SecretValue>;
  /** Removes the secret; deleting one that does not exist succeeds. */
  delete(ref: SecretRef): Promise<void>;
  /** The refs stored for an org, optionally of one scope, sorted by their formatted string. */
  list(prefix: { orgId: string; scope?: SecretScope }): Promise<SecretRef[]>;
}
