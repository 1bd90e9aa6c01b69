import { randomUUID } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMasterKey, type MasterKey } from './master-key.ts';
import { SecretError } from './secret-error.ts';
import { checkSecretPrefix, checkSecretRef, formatSecretRef, parseSecretRef, type SecretRef, type SecretScope } from './secret-ref.ts';
import type { SecretStore } from './secret-store.ts';
import { SecretValue } from './secret-value.ts';
import { deriveVaultKeys, openEntry, sameKeyId, sealEntry, VAULT_FORMAT, type VaultKeys } from './vault-crypto.ts';
import { readVault, writeVault, type VaultDocument } from './vault-file.ts';
import { withVaultLock } from './vault-lock.ts';

export interface LocalVaultOptions {
  /** Remit's data directory; the vault lives in `<dataDir>/secrets/` (0700). */
  dataDir: string;
  /** REMIT_MASTER_KEY (base64 of 32 bytes); unset: `<dataDir>/secrets/master.key`, created on first use. */
  masterKey?: string | undefined;
  /** How long a write waits for another process's write to finish; default 10 000 ms. */
  lockTimeoutMs?: number;
}

/**
 * The local secret store: one AES-256-GCM vault file, `<dataDir>/secrets/vault.json` (0600).
 * Every operation reads the file afresh, so several processes on one data directory see each
 * other's writes; writes are read-modify-write under the vault lock (see vault-lock.ts).
 */
export class LocalVaultStore implements SecretStore {
  readonly #vaultPath: string;
  readonly #lockPath: string;
  readonly #lockTimeoutMs: number;
  readonly #keys: VaultKeys;
  readonly #keySource: MasterKey['source'];

  private constructor(secretsDir: string, master: MasterKey, lockTimeoutMs: number) {
    this.#vaultPath = join(secretsDir, 'vault.json');
    this.#lockPath = join(secretsDir, 'vault.lock');
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#keys = deriveVaultKeys(master.key);
    this.#keySource = master.source;
  }

  /** Opens (creating on first use) the vault; a wrong master key fails here, at start. */
  static async open(options: LocalVaultOptions): Promise<LocalVaultStore> {
    const secretsDir = join(options.dataDir, 'secrets');
    try {
      await mkdir(secretsDir, { recursive: true, mode: 0o700 });
      // mkdir's mode is ignored when the directory already exists; refs and the key file must not be listable.
      await chmod(secretsDir, 0o700);
    } catch (err) {
      throw new SecretError('secret_store_unavailable', `Cannot create the secrets directory ${secretsDir}.`, { cause: err });
    }
    const master = await loadMasterKey({ secretsDir, masterKey: options.masterKey });
    const store = new LocalVaultStore(secretsDir, master, options.lockTimeoutMs ?? 10_000);
    await store.#read();
    return store;
  }

  async put(ref: SecretRef, value: SecretValue): Promise<{ version: string }> {
    const checked = checkSecretRef(ref);
    const id = formatSecretRef(checked);
    if (!(value instanceof SecretValue)) throw new TypeError('put takes a SecretValue');
    return this.#write((doc) => {
      const version = randomUUID();
      const sealed = sealEntry(this.#keys.encryption, checked, version, value.reveal());
      doc.entries = [...doc.entries.filter((entry) => entry.ref !== id), { ref: id, version, ...sealed }];
      return { changed: true, result: { version } };
    });
  }

  async get(ref: SecretRef): Promise<SecretValue> {
    const checked = checkSecretRef(ref);
    const id = formatSecretRef(checked);
    const matches = (await this.#read()).entries.filter((entry) => entry.ref === id);
    if (matches.length === 0) throw new SecretError('secret_not_found', undefined, { details: { ref: id } });
    // Two entries for one ref never come from writeVault; someone edited the file.
    const plaintext = matches.length === 1 ? openEntry(this.#keys.encryption, checked, matches[0]!.version, matches[0]!) : undefined;
    if (plaintext === undefined) throw new SecretError('secret_corrupt', undefined, { details: { ref: id } });
    return new SecretValue(plaintext);
  }

  async delete(ref: SecretRef): Promise<void> {
    const id = formatSecretRef(ref);
    await this.#write((doc) => {
      const kept = doc.entries.filter((entry) => entry.ref !== id);
      const changed = kept.length !== doc.entries.length;
      doc.entries = kept;
      return { changed, result: undefined };
    });
  }

  async list(prefix: { orgId: string; scope?: SecretScope }): Promise<SecretRef[]> {
    checkSecretPrefix(prefix);
    const refs: { id: string; ref: SecretRef }[] = [];
    for (const entry of (await this.#read()).entries) {
      let ref: SecretRef;
      try {
        ref = parseSecretRef(entry.ref);
      } catch {
        continue; // an edited ref names nothing we could return
      }
      if (ref.orgId === prefix.orgId && (prefix.scope === undefined || ref.scope === prefix.scope)) refs.push({ id: entry.ref, ref });
    }
    return refs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(({ ref }) => ref);
  }

  /** The current vault (empty if none yet), refusing one written under another master key. */
  async #read(): Promise<VaultDocument> {
    const doc = await readVault(this.#vaultPath);
    if (doc === undefined) return { format: VAULT_FORMAT, keyId: this.#keys.keyId, entries: [] };
    if (!sameKeyId(doc.keyId, this.#keys.keyId)) {
      const fix =
        this.#keySource.kind === 'env'
          ? 'set REMIT_MASTER_KEY to the key it was written with'
          : `set REMIT_MASTER_KEY to the key it was written with, or restore the key file ${this.#keySource.path}`;
      throw new SecretError('secret_key_invalid', `The secrets vault ${this.#vaultPath} was written with a different master key; ${fix}.`);
    }
    return doc;
  }

  #write<T>(mutate: (doc: VaultDocument) => { changed: boolean; result: T }): Promise<T> {
    return withVaultLock(this.#lockPath, this.#lockTimeoutMs, async () => {
      const doc = await this.#read();
      const { changed, result } = mutate(doc);
      if (changed) await writeVault(this.#vaultPath, doc);
      return result;
    });
  }
}
