// Test support only; nothing in src imports it. Secrets Manager cannot run here, so it is faked
// at the SDK boundary: aws-sdk-client-mock stubs SecretsManagerClient#send, the real client
// library builds every command, the fake answers with the SDK's own exception classes, and
// nothing leaves the process.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
  type CreateSecretCommandInput,
  type CreateSecretCommandOutput,
  type DeleteSecretCommandInput,
  type DeleteSecretCommandOutput,
  type DescribeSecretCommandInput,
  type DescribeSecretCommandOutput,
  type GetSecretValueCommandInput,
  type GetSecretValueCommandOutput,
  type ListSecretsCommandInput,
  type ListSecretsCommandOutput,
  type PutSecretValueCommandInput,
  type PutSecretValueCommandOutput,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

export const FAKE_REGION = 'eu-west-1';
export const FAKE_ACCOUNT = '111122223333';
export const FAKE_KMS_KEY = `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/0d9f8e7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f`;

/** The commands the fake answers; a failure can be queued for each. */
export type FakeCommand = 'CreateSecret' | 'PutSecretValue' | 'GetSecretValue' | 'DeleteSecret' | 'ListSecrets' | 'DescribeSecret';

export interface FakeSecret {
  name: string;
  arn: string;
  kmsKeyId: string | undefined;
  tags: Tag[];
  versions: { versionId: string; secretString: string }[];
}

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const metadata = () => ({ httpStatusCode: 400, requestId: randomUUID() });

/** An AWS error the SDK has no class for (throttling, access denied, KMS), as the SDK builds it. */
export function awsError(name: string, message: string, httpStatusCode = 400): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: randomUUID() },
    message,
  });
}

/**
 * Secrets Manager's behaviour for what Remit uses, in memory: names are unique and validated,
 * every write makes a new version, ListSecrets filters by case-insensitive name prefix and
 * pages (two per page, so pagination is always exercised) in no useful order, and messages
 * name ARNs the way AWS's do, so tests can check that none leak.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeSecret>();
  readonly #failures: { command: FakeCommand; error: Error }[] = [];
  pageSize = 2;

  /** The next call of `command` fails with `error`, once. */
  failNext(command: FakeCommand, error: Error): void {
    this.#failures.push({ command, error });
  }

  createSecret(input: CreateSecretCommandInput): CreateSecretCommandOutput {
    this.#maybeFail('CreateSecret');
    const name = input.Name ?? '';
    if (!NAME.test(name))
      throw new InvalidParameterException({
        $metadata: metadata(),
        message: 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      });
    if (input.SecretString === undefined || input.SecretString === '')
      throw new InvalidParameterException({ $metadata: metadata(), message: 'You must provide either SecretString or SecretBinary.' });
    if (this.secrets.has(name))
      throw new ResourceExistsException({ $metadata: metadata(), message: `The operation failed because the secret ${name} already exists.` });
    const secret: FakeSecret = {
      name,
      arn: `arn:aws:secretsmanager:${FAKE_REGION}:${FAKE_ACCOUNT}:secret:${name}-${randomBytes(3).toString('hex')}`,
      kmsKeyId: input.KmsKeyId,
      tags: [...(input.Tags ?? [])],
      versions: [{ versionId: input.ClientRequestToken ?? randomUUID(), secretString: input.SecretString }],
    };
    this.secrets.set(name, secret);
    return { $metadata: {}, ARN: secret.arn, Name: name, VersionId: secret.versions[0]!.versionId };
  }

  putSecretValue(input: PutSecretValueCommandInput): PutSecretValueCommandOutput {
    this.#maybeFail('PutSecretValue');
    const secret = this.#find(input.SecretId);
    if (input.SecretString === undefined || input.SecretString === '')
      throw new InvalidParameterException({ $metadata: metadata(), message: 'You must provide either SecretString or SecretBinary.' });
    const versionId = input.ClientRequestToken ?? randomUUID();
    secret.versions.push({ versionId, secretString: input.SecretString });
    return { $metadata: {}, ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
  }

  getSecretValue(input: GetSecretValueCommandInput): GetSecretValueCommandOutput {
    this.#maybeFail('GetSecretValue');
    const secret = this.#find(input.SecretId);
    const current = secret.versions.at(-1)!;
    return {
      $metadata: {},
      ARN: secret.arn,
      Name: secret.name,
      VersionId: current.versionId,
      SecretString: current.secretString,
      VersionStages: ['AWSCURRENT'],
    };
  }

  deleteSecret(input: DeleteSecretCommandInput): DeleteSecretCommandOutput {
    this.#maybeFail('DeleteSecret');
    // Remit never schedules a deletion, so the fake does not model the recovery window.
    if (input.ForceDeleteWithoutRecovery !== true) throw new Error('FakeSecretsManager models only ForceDeleteWithoutRecovery');
    const secret = this.#find(input.SecretId);
    this.secrets.delete(secret.name);
    return { $metadata: {}, ARN: secret.arn, Name: secret.name, DeletionDate: new Date() };
  }

  describeSecret(input: DescribeSecretCommandInput): DescribeSecretCommandOutput {
    this.#maybeFail('DescribeSecret');
    const secret = this.#find(input.SecretId);
    return { $metadata: {}, ARN: secret.arn, Name: secret.name, KmsKeyId: secret.kmsKeyId, Tags: [...secret.tags] };
  }

  listSecrets(input: ListSecretsCommandInput): ListSecretsCommandOutput {
    this.#maybeFail('ListSecrets');
    const prefixes: string[] = [];
    for (const filter of input.Filters ?? []) {
      if (filter.Key !== 'name') throw new Error(`FakeSecretsManager does not model the ${filter.Key} filter`);
      prefixes.push(...(filter.Values ?? []).map((value) => value.toLowerCase()));
    }
    const matching = [...this.secrets.values()].reverse().filter((s) => prefixes.every((p) => s.name.toLowerCase().startsWith(p)));
    const start = input.NextToken === undefined ? 0 : Number(Buffer.from(input.NextToken, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw new InvalidParameterException({ $metadata: metadata(), message: 'Invalid NextToken.' });
    const end = start + Math.min(input.MaxResults ?? 100, this.pageSize);
    return {
      $metadata: {},
      SecretList: matching.slice(start, end).map((s) => ({ ARN: s.arn, Name: s.name, KmsKeyId: s.kmsKeyId, Tags: [...s.tags] })),
      NextToken: end < matching.length ? Buffer.from(String(end)).toString('base64url') : undefined,
    };
  }

  #find(secretId: string | undefined): FakeSecret {
    const secret = secretId === undefined ? undefined : (this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.arn === secretId));
    if (secret === undefined) throw new ResourceNotFoundException({ $metadata: metadata(), message: "Secrets Manager can't find the specified secret." });
    return secret;
  }

  #maybeFail(command: FakeCommand): void {
    const index = this.#failures.findIndex((failure) => failure.command === command);
    if (index === -1) return;
    const [failure] = this.#failures.splice(index, 1);
    throw failure!.error;
  }
}

/** A real SecretsManagerClient with made-up credentials whose `send` the fake answers. */
export function fakeSecretsManager() {
  const client = new SecretsManagerClient({ region: FAKE_REGION, credentials: { accessKeyId: 'AKIDFAKESECRETS', secretAccessKey: 'fake-secret' } });
  const fake = new FakeSecretsManager();
  const sm = mockClient(client);
  sm.on(CreateSecretCommand).callsFake(async (input: CreateSecretCommandInput) => fake.createSecret(input));
  sm.on(PutSecretValueCommand).callsFake(async (input: PutSecretValueCommandInput) => fake.putSecretValue(input));
  sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => fake.getSecretValue(input));
  sm.on(DeleteSecretCommand).callsFake(async (input: DeleteSecretCommandInput) => fake.deleteSecret(input));
  sm.on(DescribeSecretCommand).callsFake(async (input: DescribeSecretCommandInput) => fake.describeSecret(input));
  sm.on(ListSecretsCommand).callsFake(async (input: ListSecretsCommandInput) => fake.listSecrets(input));
  return { client, fake, sm };
}
