import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { SecretError } from '../secret-error.ts';
import { checkSecretPrefix, checkSecretRef, formatSecretRef, type SecretRef, type SecretScope } from '../secret-ref.ts';
import type { SecretStore } from '../secret-store.ts';
import { SecretValue } from '../secret-value.ts';
import { SecretCache } from './secret-cache.ts';
import { checkNamePrefix, secretNameOf, secretNamePrefixOf, secretRefOfName } from './secret-name.ts';
import { translateAwsError } from './secrets-manager-errors.ts';
import { openStoredValue, sealStoredValue } from './stored-value.ts';

export interface SecretsManagerStoreOptions {
  /** A configured client; default: `new SecretsManagerClient({ region })`, credentials from the standard AWS chain. */
  client?: SecretsManagerClient;
  /** Used only without `client`; default: the standard AWS chain (AWS_REGION, the profile, …). */
  region?: string;
  /** Every secret's name starts with it, such as `remit/`; it must end with '/'. */
  namePrefix: string;
  /** The stack's KMS key (id, ARN or alias) that every secret is created with. */
  kmsKeyId: string;
  /** How long a read value is reused; default 30 000 ms, 0 turns the cache off. */
  cacheTtlMs?: number;
  /** The most values cached; default 1 000. */
  cacheMaxEntries?: number;
  /** The cache's clock; default Date.now. */
  now?: () => number;
}

/** A SecretStore on AWS Secrets Manager, each secret encrypted with the stack's KMS key; see SecretsManagerStore. */
export function createSecretsManagerStore(options: SecretsManagerStoreOptions): SecretStore {
  return new SecretsManagerStore(options);
}

/** ListSecrets' largest page. */
const PAGE_SIZE = 100;

/**
 * One Secrets Manager secret per ref, named `<namePrefix><orgId>/<scope>/<ownerId>/<name>`
 * (see secret-name.ts), created with the stack's KMS key and tagged `remit:org`, `remit:scope`,
 * `remit:owner` and `remit:name` so that IAM policies can scope access by org.
 *
 * Deleting is immediate (ForceDeleteWithoutRecovery): Remit deletes a secret when its connection
 * or token is removed, an audited admin action, and a recovery window would keep the name taken
 * for 7 to 30 days, so putting the same ref again (reconnecting) would fail until it ends.
 */
class SecretsManagerStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;
  readonly #kmsKeyId: string;
  readonly #cache: SecretCache;

  constructor(options: SecretsManagerStoreOptions) {
    this.#prefix = checkNamePrefix(options.namePrefix);
    if (typeof options.kmsKeyId !== 'string' || options.kmsKeyId.length === 0) {
      throw new SecretError('secret_store_unavailable', 'The Secrets Manager store needs the KMS key id to encrypt secrets with.');
    }
    this.#kmsKeyId = options.kmsKeyId;
    this.#client = options.client ?? new SecretsManagerClient(options.region === undefined ? {} : { region: options.region });
    this.#cache = new SecretCache({ ttlMs: options.cacheTtlMs ?? 30_000, maxEntries: options.cacheMaxEntries ?? 1_000, now: options.now ?? Date.now });
  }

  async put(ref: SecretRef, value: SecretValue): Promise<{ version: string }> {
    const checked = checkSecretRef(ref);
    if (!(value instanceof SecretValue)) throw new TypeError('put takes a SecretValue');
    const id = formatSecretRef(checked);
    const name = secretNameOf(this.#prefix, checked);
    const secretString = sealStoredValue(id, value);
    this.#cache.invalidate(name);
    try {
      // Create first; if the secret exists (written before, or by a racing put) write a new
      // version instead; if it vanished between the two calls (a racing delete), create it again.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const created = await this.#client.send(
            new CreateSecretCommand({ Name: name, KmsKeyId: this.#kmsKeyId, SecretString: secretString, Tags: tagsOf(checked) }),
          );
          return { version: versionOf(created.VersionId, id) };
        } catch (err) {
          if (!isAwsError(err, 'ResourceExistsException')) throw err;
        }
        try {
          const written = await this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: secretString }));
          return { version: versionOf(written.VersionId, id) };
        } catch (err) {
          if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
        }
      }
      throw new SecretError('secret_store_unavailable', 'The secret was deleted and created concurrently; try again.', { details: { ref: id } });
    } catch (err) {
      throw translateAwsError(err, id);
    } finally {
      // A read racing this write may have cached the old value in between.
      this.#cache.invalidate(name);
    }
  }

  async get(ref: SecretRef): Promise<SecretValue> {
    const checked = checkSecretRef(ref);
    const id = formatSecretRef(checked);
    const name = secretNameOf(this.#prefix, checked);
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    const epoch = this.#cache.epoch();
    let secretString: string | undefined;
    try {
      secretString = (await this.#client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (err) {
      throw translateAwsError(err, id);
    }
    const value = openStoredValue(id, secretString);
    if (value === undefined) throw new SecretError('secret_corrupt', undefined, { details: { ref: id } });
    this.#cache.set(name, value, epoch);
    return value;
  }

  async delete(ref: SecretRef): Promise<void> {
    const checked = checkSecretRef(ref);
    const id = formatSecretRef(checked);
    const name = secretNameOf(this.#prefix, checked);
    this.#cache.invalidate(name);
    try {
      await this.#client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (err) {
      if (!isAwsError(err, 'ResourceNotFoundException')) throw translateAwsError(err, id);
    } finally {
      this.#cache.invalidate(name);
    }
  }

  /**
   * Lists by name prefix, not by tag: a name cannot change after creation, tags can. ListSecrets
   * matches prefixes without regard to case and is eventually consistent (a secret created a
   * moment ago may be missing), so every name is decoded and checked against the filter again.
   */
  async list(prefix: { orgId: string; scope?: SecretScope }): Promise<SecretRef[]> {
    checkSecretPrefix(prefix);
    const namePrefix = secretNamePrefixOf(this.#prefix, prefix);
    const found = new Map<string, SecretRef>();
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [namePrefix] }], MaxResults: PAGE_SIZE, NextToken: nextToken }),
        );
        for (const secret of page.SecretList ?? []) {
          const ref = secret.Name === undefined ? undefined : secretRefOfName(this.#prefix, secret.Name);
          if (ref === undefined || ref.orgId !== prefix.orgId || (prefix.scope !== undefined && ref.scope !== prefix.scope)) continue;
          found.set(formatSecretRef(ref), ref);
        }
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
    } catch (err) {
      throw translateAwsError(err, undefined);
    }
    return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
  }
}

function tagsOf(ref: SecretRef): Tag[] {
  return [
    { Key: 'remit:org', Value: ref.orgId },
    { Key: 'remit:scope', Value: ref.scope },
    { Key: 'remit:owner', Value: ref.ownerId },
    { Key: 'remit:name', Value: ref.name },
  ];
}

function versionOf(versionId: string | undefined, ref: string): string {
  if (versionId === undefined) throw new SecretError('secret_store_unavailable', 'Secrets Manager did not return a version id.', { details: { ref } });
  return versionId;
}

function isAwsError(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}
