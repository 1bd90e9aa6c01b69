import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type GetSecretValueCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeSecretStoreContract } from '../secret-store-contract.ts';
import { formatSecretRef, type SecretRef } from '../secret-ref.ts';
import { SecretValue } from '../secret-value.ts';
import { CONNECTION, ORG_A, ORG_B, connectionRef, expectSecretError } from '../testing.ts';
import { awsError, FAKE_ACCOUNT, FAKE_KMS_KEY, fakeSecretsManager } from './fake-secrets-manager.ts';
import { createSecretsManagerStore, type SecretsManagerStoreOptions } from './secrets-manager-store.ts';

const VALUE = 'ghp_secretsManagerPlaintext0123456789';
const userToken: SecretRef = { orgId: ORG_A, scope: 'oauth_user', ownerId: `${CONNECTION}:user-1`, name: 'refresh_token' };

/** A store on a fresh fake, with a clock the test moves by hand. */
function setup(options: Partial<SecretsManagerStoreOptions> = {}) {
  const { client, fake, sm } = fakeSecretsManager();
  const clock = { now: 1_800_000_000_000 };
  const store = createSecretsManagerStore({ client, namePrefix: 'remit/', kmsKeyId: FAKE_KMS_KEY, now: () => clock.now, ...options });
  return { store, fake, sm, clock };
}

describeSecretStoreContract('Secrets Manager store', async (cb) => {
  const { store, sm } = setup();
  try {
    await cb(store);
  } finally {
    sm.restore();
  }
});

describe('Secrets Manager store', () => {
  it('creates every secret with the stack KMS key and the org, scope, owner and name tags', async () => {
    const { store, fake, sm } = setup();
    const refs = [connectionRef(ORG_A), connectionRef(ORG_B, { name: 'client_secret' }), userToken];
    for (const ref of refs) await store.put(ref, new SecretValue(VALUE));
    await store.put(connectionRef(ORG_A), new SecretValue('rotated')); // exists: a new version, same key
    const creates = sm.commandCalls(CreateSecretCommand).map((call) => call.args[0].input);
    expect(creates).toHaveLength(refs.length + 1);
    for (const input of creates) expect(input.KmsKeyId).toBe(FAKE_KMS_KEY);
    expect(creates[2]!.Name).toBe(`remit/${ORG_A}/oauth_user/${CONNECTION}+user-1/refresh_token`);
    expect(creates[2]!.Tags).toEqual([
      { Key: 'remit:org', Value: ORG_A },
      { Key: 'remit:scope', Value: 'oauth_user' },
      { Key: 'remit:owner', Value: `${CONNECTION}:user-1` },
      { Key: 'remit:name', Value: 'refresh_token' },
    ]);
    for (const secret of fake.secrets.values()) {
      const described = fake.describeSecret({ SecretId: secret.name });
      expect(described.KmsKeyId).toBe(FAKE_KMS_KEY);
      expect(described.Tags?.find((tag) => tag.Key === 'remit:org')?.Value).toBe(secret.name.split('/')[1]);
    }
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(fake.secrets.get(`remit/${ORG_A}/connection/${CONNECTION}/token`)!.versions).toHaveLength(2);
  });

  it('writes a new version when another replica created the secret first', async () => {
    const { store, fake } = setup();
    // Another replica's put created it after this one last looked.
    fake.createSecret({ Name: `remit/${ORG_A}/connection/${CONNECTION}/token`, KmsKeyId: FAKE_KMS_KEY, SecretString: 'created by the other replica' });
    const { version } = await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
    expect(version).toBe(fake.secrets.get(`remit/${ORG_A}/connection/${CONNECTION}/token`)!.versions[1]!.versionId);
    expect((await store.get(connectionRef(ORG_A))).reveal()).toBe(VALUE);
  });

  it('creates again when the secret is deleted between CreateSecret and PutSecretValue', async () => {
    const { store, fake, sm } = setup();
    fake.failNext('CreateSecret', new ResourceExistsException({ $metadata: {}, message: 'The operation failed because the secret already exists.' }));
    fake.failNext('PutSecretValue', new ResourceNotFoundException({ $metadata: {}, message: "Secrets Manager can't find the specified secret." }));
    const { version } = await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(2);
    expect(version).toBe(fake.secrets.get(`remit/${ORG_A}/connection/${CONNECTION}/token`)!.versions[0]!.versionId);
    expect((await store.get(connectionRef(ORG_A))).reveal()).toBe(VALUE);
  });

  it('deletes at once, without a recovery window', async () => {
    const { store, fake, sm } = setup();
    await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
    await store.delete(connectionRef(ORG_A));
    expect(sm.commandCalls(DeleteSecretCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: `remit/${ORG_A}/connection/${CONNECTION}/token`, ForceDeleteWithoutRecovery: true },
    ]);
    expect(fake.secrets.size).toBe(0);
  });

  it('lists across pages and ignores secrets it did not write under the prefix', async () => {
    const { store, fake, sm } = setup();
    for (let i = 0; i < 7; i++) await store.put(connectionRef(ORG_A, { ownerId: `c${i}` }), new SecretValue(`v${i}`));
    for (const name of [`remit/${ORG_A}/connection/hand-made`, `REMIT/${ORG_A}/connection/${CONNECTION}/token`, `remit/${ORG_A}/connection/x/Upper`]) {
      fake.createSecret({ Name: name, SecretString: 'not ours' });
    }
    const refs = await store.list({ orgId: ORG_A });
    expect(refs.map((ref) => ref.ownerId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(sm.commandCalls(ListSecretsCommand).length).toBeGreaterThan(3);
    for (const call of sm.commandCalls(ListSecretsCommand)) expect(call.args[0].input.Filters).toEqual([{ Key: 'name', Values: [`remit/${ORG_A}/`] }]);
  });

  describe('cache', () => {
    it('serves repeated gets within the TTL and fetches again after it', async () => {
      const { store, sm, clock } = setup({ cacheTtlMs: 30_000 });
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      for (let i = 0; i < 5; i++) expect((await store.get(connectionRef(ORG_A))).reveal()).toBe(VALUE);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      clock.now += 29_999;
      await store.get(connectionRef(ORG_A));
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      clock.now += 1;
      await store.get(connectionRef(ORG_A));
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('drops the entry on put and delete, so a write is read back at once', async () => {
      const { store, sm } = setup();
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      await store.get(connectionRef(ORG_A));
      await store.put(connectionRef(ORG_A), new SecretValue('rotated'));
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('rotated');
      await store.delete(connectionRef(ORG_A));
      await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_not_found');
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    });

    it('does not cache a value read while a put of the same secret was under way', async () => {
      const { store, fake, sm } = setup();
      await store.put(connectionRef(ORG_A), new SecretValue('old'));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      // GetSecretValue answers with the old value, but only after the put below has finished.
      const old = fake.getSecretValue({ SecretId: `remit/${ORG_A}/connection/${CONNECTION}/token` });
      sm.on(GetSecretValueCommand)
        .callsFakeOnce(async () => {
          await gate;
          return old;
        })
        .callsFake(async (input: GetSecretValueCommandInput) => fake.getSecretValue(input));
      const slowRead = store.get(connectionRef(ORG_A));
      await store.put(connectionRef(ORG_A), new SecretValue('new'));
      release();
      expect((await slowRead).reveal()).toBe('old');
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe('new');
    });

    it('holds at most cacheMaxEntries values, and none with a TTL of 0', async () => {
      const bounded = setup({ cacheMaxEntries: 2 });
      for (const name of ['a', 'b', 'c']) await bounded.store.put(connectionRef(ORG_A, { name }), new SecretValue(name));
      for (const name of ['a', 'b', 'c', 'a']) await bounded.store.get(connectionRef(ORG_A, { name }));
      expect(bounded.sm.commandCalls(GetSecretValueCommand)).toHaveLength(4); // 'a' was dropped for 'c'
      const off = setup({ cacheTtlMs: 0 });
      await off.store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      for (let i = 0; i < 3; i++) await off.store.get(connectionRef(ORG_A));
      expect(off.sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    });
  });

  describe('stored values', () => {
    const name = `remit/${ORG_A}/connection/${CONNECTION}/token`;
    const tampered: [string, (secretString: string) => string | undefined][] = [
      ['a raw value written by hand', () => VALUE],
      ['JSON that is not an object', () => JSON.stringify([VALUE])],
      ['another format', (s) => JSON.stringify({ ...JSON.parse(s), format: 'remit.secret/2' })],
      ['a value that is not a string', (s) => JSON.stringify({ ...JSON.parse(s), value: 42 })],
      ['org B’s value copied into org A’s secret', (s) => JSON.stringify({ ...JSON.parse(s), ref: formatSecretRef(connectionRef(ORG_B)) })],
      ['a binary secret', () => undefined],
    ];
    for (const [why, edit] of tampered) {
      it(`refuses ${why} as secret_corrupt without echoing it`, async () => {
        const { store, fake } = setup();
        await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
        const version = fake.secrets.get(name)!.versions[0]!;
        version.secretString = edit(version.secretString) as string;
        const err = await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_corrupt');
        expect(inspect(err, { depth: 10 })).not.toContain(VALUE);
        expect(err.details).toEqual({ ref: formatSecretRef(connectionRef(ORG_A)) });
      });
    }
  });

  describe('AWS errors', () => {
    const arnMessage = `User: arn:aws:sts::${FAKE_ACCOUNT}:assumed-role/remit-worker/i-0abc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:${FAKE_ACCOUNT}:secret:remit/x because ${VALUE}`;
    const cases: [string, number, 'secret_store_unavailable' | 'secret_key_invalid' | 'secret_not_found'][] = [
      ['ThrottlingException', 400, 'secret_store_unavailable'],
      ['TooManyRequestsException', 429, 'secret_store_unavailable'],
      ['AccessDeniedException', 400, 'secret_store_unavailable'],
      ['ExpiredTokenException', 400, 'secret_store_unavailable'],
      ['KMSAccessDeniedException', 400, 'secret_key_invalid'],
      ['KMSDisabledException', 400, 'secret_key_invalid'],
      ['KMSInvalidStateException', 400, 'secret_key_invalid'],
      ['DecryptionFailure', 400, 'secret_key_invalid'],
      ['EncryptionFailure', 400, 'secret_key_invalid'],
      ['InternalServiceError', 500, 'secret_store_unavailable'],
      ['ResourceNotFoundException', 400, 'secret_not_found'],
      ['SomethingNewException', 400, 'secret_store_unavailable'],
    ];

    for (const [awsName, status, code] of cases) {
      it(`translates ${awsName} into ${code}, without the AWS message`, async () => {
        const { store, fake } = setup();
        fake.failNext('GetSecretValue', awsError(awsName, arnMessage, status));
        const err = await expectSecretError(store.get(connectionRef(ORG_A)), code);
        expect(err.details).toMatchObject({ awsError: awsName, ref: formatSecretRef(connectionRef(ORG_A)) });
        expect(err.details?.requestId).toEqual(expect.any(String));
        expect(err.cause).toBeUndefined();
        const text = `${err.message} ${inspect(err, { depth: 10, showHidden: true })}`;
        for (const leak of ['arn:', FAKE_ACCOUNT, VALUE, 'remit-worker']) expect(text).not.toContain(leak);
      });
    }

    it('translates errors on every operation, including a KMS failure on create', async () => {
      const { store, fake } = setup();
      fake.failNext('CreateSecret', awsError('KMSDisabledException', arnMessage));
      await expectSecretError(store.put(connectionRef(ORG_A), new SecretValue(VALUE)), 'secret_key_invalid');
      expect(fake.secrets.size).toBe(0);
      await store.put(connectionRef(ORG_A), new SecretValue(VALUE));
      fake.failNext('PutSecretValue', awsError('ThrottlingException', arnMessage));
      await expectSecretError(store.put(connectionRef(ORG_A), new SecretValue('rotated')), 'secret_store_unavailable');
      fake.failNext('DeleteSecret', awsError('AccessDeniedException', arnMessage));
      await expectSecretError(store.delete(connectionRef(ORG_A)), 'secret_store_unavailable');
      fake.failNext('ListSecrets', awsError('ThrottlingException', arnMessage));
      const listed = await expectSecretError(store.list({ orgId: ORG_A }), 'secret_store_unavailable');
      expect(listed.message).not.toContain('arn:');
      expect((await store.get(connectionRef(ORG_A))).reveal()).toBe(VALUE);
    });

    it('translates a network failure that is not an AWS error', async () => {
      const { store, fake } = setup();
      fake.failNext('GetSecretValue', Object.assign(new Error(`connect ECONNREFUSED for ${VALUE}`), { code: 'ECONNREFUSED' }));
      const err = await expectSecretError(store.get(connectionRef(ORG_A)), 'secret_store_unavailable');
      expect(err.details).toMatchObject({ awsError: 'Error' });
      expect(inspect(err, { depth: 10 })).not.toContain(VALUE);
    });
  });

  describe('configuration', () => {
    it('refuses a name prefix that is unsafe and a missing KMS key', async () => {
      const { client } = fakeSecretsManager();
      for (const namePrefix of ['', 'remit', 'remit:prod/', '../']) {
        await expectSecretError(
          Promise.resolve().then(() => createSecretsManagerStore({ client, namePrefix, kmsKeyId: FAKE_KMS_KEY })),
          'secret_store_unavailable',
        );
      }
      await expectSecretError(
        Promise.resolve().then(() => createSecretsManagerStore({ client, namePrefix: 'remit/', kmsKeyId: '' })),
        'secret_store_unavailable',
      );
    });

    it('keeps two prefixes (two stacks in one account) apart', async () => {
      const { client, sm } = fakeSecretsManager();
      const prod = createSecretsManagerStore({ client, namePrefix: 'remit/prod/', kmsKeyId: FAKE_KMS_KEY });
      const staging = createSecretsManagerStore({ client, namePrefix: 'remit/', kmsKeyId: FAKE_KMS_KEY });
      await prod.put(connectionRef(ORG_A), new SecretValue('prod'));
      await staging.put(connectionRef(ORG_A), new SecretValue('staging'));
      expect((await prod.get(connectionRef(ORG_A))).reveal()).toBe('prod');
      expect((await staging.get(connectionRef(ORG_A))).reveal()).toBe('staging');
      expect(await staging.list({ orgId: ORG_A })).toEqual([connectionRef(ORG_A)]);
      sm.restore();
    });
  });
});
