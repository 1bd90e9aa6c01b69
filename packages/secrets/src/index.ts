export { SecretError, SecretErrorCode, isSecretError } from './secret-error.ts';
export { SecretScope, checkSecretRef, formatSecretRef, parseSecretRef, type SecretRef } from './secret-ref.ts';
export { SecretValue } from './secret-value.ts';
export type { SecretStore } from './secret-store.ts';
export { LocalVaultStore, type LocalVaultOptions } from './local-vault.ts';
