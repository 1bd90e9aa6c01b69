import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { errorOf } from '@remit/api/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { withRunStack } from './support/run-stack.ts';

// A fake STS at the SDK boundary (AWS itself cannot be reached here); the real client code runs.
const sts = mockClient(STSClient);
afterEach(() => sts.reset());

const EXTERNAL_ID = 'ext-4417-secretish';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY99';
const awsConnection = {
  name: 'prod-readonly',
  type: 'aws',
  config: { roleArn: 'arn:aws:iam::123456789012:role/remit-readonly', externalId: EXTERNAL_ID, region: 'eu-west-1' },
};

describe('aws connections', () => {
  it('are verified with AssumeRole before saving, and a run’s sandbox gets only short-lived STS keys for its role', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAFAKEKEY00000001',
        SecretAccessKey: SECRET_KEY,
        SessionToken: 'FwoGZXIvYXdzEFAKE',
        Expiration: new Date(Date.now() + 900_000),
      },
    });
    await withRunStack(
      async (s) => {
        const admin = await s.adminToken();
        expect((await s.request('/v1/admin/connections', { method: 'POST', token: admin, json: awsConnection })).status).toBe(201);
        await s.admin('/v1/admin/roles', { name: 'sre', connections: ['prod-readonly'], runKinds: ['troubleshoot'] });
        await s.admin('/v1/admin/bindings', { role: 'sre', subject: { kind: 'group', group: 'sre' } });
        const sre = await s.tokenFor({ email: 'sre@example.com', groups: ['sre'] });
        const runId = await s.startRun(sre, { kind: 'troubleshoot', input: 'x' });
        expect(await s.waitForStatus(runId, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });

        const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
        expect(calls).toHaveLength(2); // save-time verification, then the run's session
        expect(calls[1]).toMatchObject({
          RoleArn: awsConnection.config.roleArn,
          ExternalId: EXTERNAL_ID,
          RoleSessionName: `remit-run-${runId.slice(0, 8)}`,
          DurationSeconds: 900,
        });
        const bundle = s.bundles.at(-1)!;
        expect(bundle.secrets).toEqual([
          {
            connection: 'prod-readonly',
            kind: 'aws_session',
            values: expect.objectContaining({ AWS_ACCESS_KEY_ID: 'ASIAFAKEKEY00000001', AWS_REGION: 'eu-west-1' }),
          },
        ]);
        const events = await (await s.request(`/v1/runs/${runId}/events`, { token: sre })).text();
        expect(events).not.toContain(SECRET_KEY);
      },
      { script: [{ toolCalls: [{ name: 'exec', input: { command: ['sh', '-c', `echo ${SECRET_KEY}`] } }] }, { text: 'done' }] },
    );
  });

  it('a role STS refuses is 422 connection_verification_failed, with no external id in the message, and nothing saved', async () => {
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error(`User is not authorized to perform: sts:AssumeRole (ExternalId ${EXTERNAL_ID})`), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await withRunStack(
      async (s) => {
        const res = await s.request('/v1/admin/connections', { method: 'POST', token: await s.adminToken(), json: awsConnection });
        const err = await errorOf(res);
        expect(err).toMatchObject({ status: 422, code: 'connection_verification_failed' });
        expect(err.message).toContain('may not assume arn:aws:iam::123456789012:role/remit-readonly');
        expect(err.message).not.toContain(EXTERNAL_ID);
        expect((await s.db.owner((sql) => sql.query('select count(*)::int n from connections'))).rows[0]).toEqual({ n: 0 });
      },
      { script: [], settings: { pollMs: 60_000 } },
    );
  });
});
