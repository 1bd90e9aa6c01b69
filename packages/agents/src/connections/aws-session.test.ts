// AWS cannot run here: STS is faked at the SDK boundary (aws-sdk-client-mock stubs STSClient#send),
// so the real client library builds every command the tests inspect. Nothing leaves the process.
import { inspect } from 'node:util';
import { AssumeRoleCommand, RegionDisabledException, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { CredentialBundle } from '@remit/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumeRoleForRun, awsBundleSecret, awsSecretValues, verifyAwsConnection, type AwsConfig } from './aws-session.ts';
import { CredentialError } from './credential-error.ts';
import { stubNoAwsCredentials } from '@remit/core/testing';

const runId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const roleArn = 'arn:aws:iam::444455556666:role/remit-readonly';
const externalId = 'ext-7f3c9e1b2d4a6085';
const config: AwsConfig = { roleArn, externalId, region: 'eu-west-1' };
const keys = {
  AccessKeyId: 'ASIAY34FZKBOKMUTVV7A',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
  SessionToken: 'FwoGZXIvYXdzEBYaDHqa0AP1/+example+session+token+AQoDYXdzEJr//////////',
};
const stsSuccess = {
  $metadata: { httpStatusCode: 200, requestId: 'c6104cbe-af31-11e0-8154-cbc7ccf896c7', attempts: 1, totalRetryDelay: 0 },
  Credentials: { ...keys, Expiration: new Date('2026-03-01T12:15:00Z') },
  AssumedRoleUser: {
    AssumedRoleId: 'AROA3XFRBF535PLBIFPI4:remit-run-1a2b3c4d',
    Arn: 'arn:aws:sts::444455556666:assumed-role/remit-readonly/remit-run-1a2b3c4d',
  },
};

/** An STS error as the SDK deserializes it: the service's code as `name`, its fault and metadata. */
function stsError(name: string, status: number, message: string, fault: 'client' | 'server' = 'client') {
  return new STSServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status, requestId: 'req-42' }, message });
}

function fakeSts() {
  const client = new STSClient({ region: config.region, credentials: { accessKeyId: 'AKIDWORKER', secretAccessKey: 'worker-secret' } });
  return { client, sts: mockClient(client) };
}

async function failure(work: Promise<unknown>): Promise<CredentialError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredentialError);
  return err as CredentialError;
}

afterEach(() => vi.unstubAllEnvs());

describe('assumeRoleForRun: the request STS receives', () => {
  it('sends RoleArn, ExternalId, a valid run session name and the 900 s minimum, exactly', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).resolves(stsSuccess);
    await assumeRoleForRun(config, { runId, client });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input).toEqual({ RoleArn: roleArn, RoleSessionName: 'remit-run-1a2b3c4d', DurationSeconds: 900, ExternalId: externalId });
    // STS's pattern for RoleSessionName.
    expect(input.RoleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
  });

  it('omits ExternalId when the connection has none, and passes a longer duration when asked', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).resolves(stsSuccess);
    await assumeRoleForRun({ roleArn, region: 'us-east-1' }, { runId, client, durationSeconds: 3600 });
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input).toEqual({ RoleArn: roleArn, RoleSessionName: 'remit-run-1a2b3c4d', DurationSeconds: 3600 });
    expect(input).not.toHaveProperty('ExternalId');
  });

  it('without a client, uses one in the connection region (the default credential chain supplies the keys)', async () => {
    const sts = mockClient(STSClient);
    try {
      sts.on(AssumeRoleCommand).resolves(stsSuccess);
      await assumeRoleForRun(config, { runId });
      const used = sts.call(0).thisValue as STSClient;
      expect(await used.config.region()).toBe('eu-west-1');
    } finally {
      sts.restore();
    }
  });
});

describe('assumeRoleForRun: what the run gets', () => {
  it('returns the keys with an ISO expiration and the region', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).resolves(stsSuccess);
    const session = await assumeRoleForRun(config, { runId, client });
    expect(session).toEqual({
      accessKeyId: keys.AccessKeyId,
      secretAccessKey: keys.SecretAccessKey,
      sessionToken: keys.SessionToken,
      expiration: '2026-03-01T12:15:00.000Z',
      region: 'eu-west-1',
    });
  });

  it('becomes a bundle entry the sandbox protocol accepts, and every key is listed for scrubbing', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).resolves(stsSuccess);
    const session = await assumeRoleForRun(config, { runId, client });
    const entry = awsBundleSecret('prod-aws', session);
    expect(entry).toEqual({
      connection: 'prod-aws',
      kind: 'aws_session',
      values: {
        AWS_ACCESS_KEY_ID: keys.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey,
        AWS_SESSION_TOKEN: keys.SessionToken,
        AWS_REGION: 'eu-west-1',
        expiration: '2026-03-01T12:15:00.000Z',
      },
    });
    expect(() => CredentialBundle.parse({ runId, connections: [{ name: 'prod-aws', type: 'aws' }], secrets: [entry] })).not.toThrow();
    expect(awsSecretValues(session).sort()).toEqual([keys.AccessKeyId, keys.SecretAccessKey, keys.SessionToken].sort());
  });

  it('refuses an answer without credentials', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).resolves({ $metadata: { httpStatusCode: 200 } });
    const err = await failure(assumeRoleForRun(config, { runId, client }));
    expect(err.code).toBe('aws_assume_role_failed');
    expect(err.message).toBe('STS answered AssumeRole without credentials.');
  });
});

describe('assumeRoleForRun: failures are translated', () => {
  it('AccessDenied names the role and points at its trust policy', async () => {
    const { client, sts } = fakeSts();
    const denied = stsError(
      'AccessDenied',
      403,
      `User: arn:aws:sts::111122223333:assumed-role/remit-worker/i-0abc is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    sts.on(AssumeRoleCommand).rejects(denied);
    const err = await failure(assumeRoleForRun(config, { runId, client }));
    expect(err).toMatchObject({
      code: 'aws_assume_role_failed',
      message: `Remit's AWS identity may not assume ${roleArn} (check the role's trust policy and external id).`,
      details: { providerCode: 'AccessDenied', httpStatus: 403, requestId: 'req-42' },
    });
  });

  it('missing credentials (the SDK credential chain found none) say so', async () => {
    const { client, sts } = fakeSts();
    // The shape @smithy's CredentialsProviderError has when the default chain runs dry.
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: false }));
    const err = await failure(assumeRoleForRun(config, { runId, client }));
    expect(err.message).toMatch(/^Remit has no AWS credentials here/);
  });

  it('missing credentials, end to end: the real default chain on a machine without any', async () => {
    // The chain's last link would ask the EC2 metadata address; it must never be contacted from here.
    stubNoAwsCredentials(vi.stubEnv);
    const sent: unknown[] = [];
    const tripwire = {
      handle: async (request: unknown) => {
        sent.push(request);
        throw new Error('fake STS transport: nothing may be sent');
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    const client = new STSClient({ region: config.region, requestHandler: tripwire });
    const err = await failure(assumeRoleForRun(config, { runId, client }));
    expect(err.details?.providerCode).toBe('CredentialsProviderError');
    expect(err.message).toMatch(/^Remit has no AWS credentials here/);
    expect(sent).toEqual([]);
  });

  const cases: [string, Error, RegExp][] = [
    [
      'an invalid worker key',
      stsError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'),
      /^Remit has no valid AWS credentials here/,
    ],
    [
      'an expired worker session',
      stsError('ExpiredToken', 400, 'The security token included in the request is expired'),
      /^Remit has no valid AWS credentials here/,
    ],
    [
      'a disabled region',
      new RegionDisabledException({ $metadata: { httpStatusCode: 403 }, message: 'STS is not activated in this region for account:444455556666.' }),
      /^STS is not activated in eu-west-1/,
    ],
    [
      'a duration above the role maximum',
      stsError('ValidationError', 400, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'),
      /as invalid \(check the ARN, and the role's maximum session duration\)/,
    ],
    ['throttling left after the SDK retries', stsError('Throttling', 400, 'Rate exceeded'), /^STS is throttling Remit/],
    ['a timeout', Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }), /^STS in eu-west-1 could not be reached/],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 52.94.0.1:443'), { code: 'ECONNREFUSED' }),
      /^STS in eu-west-1 could not be reached/,
    ],
    ['a server fault', stsError('InternalFailure', 500, 'An internal error occurred.', 'server'), /^STS failed with an internal error/],
    ['an unknown code', stsError('SomethingNew', 400, 'new'), new RegExp(`^AssumeRole on ${roleArn.replace(/[/.]/g, '\\$&')} failed \\(SomethingNew\\)\\.$`)],
  ];
  it.each(cases)('%s', async (_label, thrown, reason) => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).rejects(thrown);
    const err = await failure(assumeRoleForRun(config, { runId, client }));
    expect(err.code).toBe('aws_assume_role_failed');
    expect(err.message).toMatch(reason);
  });

  it('no error, reason or log rendering carries the external id or any key, whatever AWS echoed back', async () => {
    const echoes = [
      stsError('AccessDenied', 403, `not authorized; ExternalId=${externalId}; key ${keys.AccessKeyId}`),
      stsError('ValidationError', 400, `1 validation error: ExternalId '${externalId}' secret ${keys.SecretAccessKey}`),
      stsError('Weird', 400, `token ${keys.SessionToken}`),
      Object.assign(new Error(`profile with ${externalId} ${keys.SecretAccessKey}`), { name: 'CredentialsProviderError' }),
    ];
    for (const thrown of echoes) {
      const { client, sts } = fakeSts();
      sts.on(AssumeRoleCommand).rejects(thrown);
      const err = await failure(assumeRoleForRun(config, { runId, client }));
      const verdict = await verifyAwsConnection(config, { client });
      const renderings = [err.message, JSON.stringify(err), inspect(err, { depth: 10 }), String(err.stack), JSON.stringify(verdict)];
      for (const secret of [externalId, keys.AccessKeyId, keys.SecretAccessKey, keys.SessionToken]) {
        for (const text of renderings) expect(text).not.toContain(secret);
      }
    }
  });
});

describe('verifyAwsConnection', () => {
  it('assumes the role once under a verify session name and answers ok', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).resolves(stsSuccess);
    expect(await verifyAwsConnection(config, { client })).toEqual({ ok: true });
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: roleArn,
      RoleSessionName: 'remit-verify',
      DurationSeconds: 900,
      ExternalId: externalId,
    });
  });

  it('answers the translated reason when STS refuses', async () => {
    const { client, sts } = fakeSts();
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 403, 'not authorized'));
    expect(await verifyAwsConnection(config, { client })).toEqual({
      ok: false,
      reason: `Remit's AWS identity may not assume ${roleArn} (check the role's trust policy and external id).`,
    });
  });
});
