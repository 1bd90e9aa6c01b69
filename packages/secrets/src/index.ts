export { SecretError } from './secret-error.ts';
export { formatSecretRef, parseSecretRef, type SecretRef } from './secret-ref.ts';
export { SecretValue } from './secret-value.ts';
export type { SecretStore } from './secret-store.ts';
export { LocalVaultStore } from './local-vault.ts';
export { createSecretsManagerStore, type SecretsManagerStoreOptions } from './secrets-manager/secrets-manager-store.ts';
