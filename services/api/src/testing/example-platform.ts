import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPaymentsService, type PaymentsService } from '../demo/payments-service.ts';

/**
 * What `examples/platform.yaml` reaches, on loopback, so tests apply the example itself: the toy
 * payments service, a FAKE GitHub Enterprise Server API (only `GET /user`, the token check a
 * github connection's verification makes) and a FAKE AWS STS (only AssumeRole, in the Query
 * protocol the real `@aws-sdk/client-sts` speaks). The real SDK is pointed at the fake through
 * AWS_ENDPOINT_URL_STS, with throwaway keys, in this test process only.
 */
export interface ExamplePlatform {
  /** The variables the example names, pointing it here. */
  env: Record<string, string>;
  readToken: string;
  adminToken: string;
  githubToken: string;
  /** AssumeRole calls STS received, as their form fields. */
  assumeRoleCalls: Record<string, string>[];
  close(): Promise<void>;
}

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startExamplePlatform(tokens: { readToken: string; adminToken: string; githubToken: string }): Promise<ExamplePlatform> {
  const payments: PaymentsService = await startPaymentsService({ readToken: tokens.readToken, adminToken: tokens.adminToken });

  const github = createServer((req, res) => {
    const authorized = req.headers.authorization === `Bearer ${tokens.githubToken}`;
    res.writeHead(req.url === '/api/v3/user' && authorized ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(authorized ? { login: 'remit-bot', type: 'Bot' } : { message: 'Bad credentials' }));
  });
  const githubUrl = await listen(github);

  const assumeRoleCalls: Record<string, string>[] = [];
  const sts = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      assumeRoleCalls.push(form);
      const expires = new Date(Date.now() + 900_000).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAFAKEEXAMPLE00001</AccessKeyId><SecretAccessKey>fake-secret-key</SecretAccessKey><SessionToken>fake-session-token</SessionToken><Expiration>${expires}</Expiration></Credentials>
<AssumedRoleUser><Arn>${form.RoleArn ?? ''}/${form.RoleSessionName ?? ''}</Arn><AssumedRoleId>AROAFAKE:${form.RoleSessionName ?? ''}</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    });
  });
  const stsUrl = await listen(sts);

  const aws = { AWS_ENDPOINT_URL_STS: stsUrl, AWS_ACCESS_KEY_ID: 'AKIAFAKEFORTESTS0001', AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests' };
  const saved = Object.fromEntries(Object.keys(aws).map((k) => [k, process.env[k]]));
  Object.assign(process.env, aws);

  return {
    env: {
      PAYMENTS_URL: payments.url,
      PAYMENTS_PRIVATE_CIDR: '127.0.0.1/32',
      PAYMENTS_READ_TOKEN: tokens.readToken,
      PAYMENTS_ADMIN_TOKEN: tokens.adminToken,
      GITHUB_API_URL: `${githubUrl}/api/v3`,
      GITHUB_PRIVATE_CIDR: '127.0.0.1/32',
      GITHUB_TOKEN: tokens.githubToken,
      AWS_READONLY_ROLE_ARN: 'arn:aws:iam::123456789012:role/remit-readonly',
      ...aws,
    },
    ...tokens,
    assumeRoleCalls,
    async close() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await Promise.all([payments.close(), closeServer(github), closeServer(sts)]);
    },
  };
}
