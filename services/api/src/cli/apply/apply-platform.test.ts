import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, Role } from '@remit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExamplePlatform, type ExamplePlatform } from '../../testing/example-platform.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';
import { createApiClient, type ApiClient } from '../api-client.ts';
import { createStyle } from '../terminal-style.ts';
import { applyPlatform, planJson, renderChange, renderSummary } from './apply-platform.ts';
import { planSummary } from './plan.ts';
import { loadPlatformFile } from './platform-file.ts';

const example = fileURLToPath(new URL('../../../../../examples/platform.yaml', import.meta.url));
const READ_TOKEN = 'read-token-3c9e1f07';
const ADMIN_TOKEN = 'admin-token-5d2a8b64';

let reachable: ExamplePlatform;
beforeAll(async () => {
  reachable = await startExamplePlatform({ readToken: READ_TOKEN, adminToken: ADMIN_TOKEN, githubToken: 'github-token-7a1c' });
});
afterAll(() => reachable.close());

/** The example points at a private network; here its variables point it at loopback (the payments service, fake GitHub, fake STS). */
const exampleEnv = () => reachable.env;

/** The real client, sending its requests to the app in-process. */
async function adminClient(t: TestApp): Promise<ApiClient> {
  return createApiClient({
    url: 'http://remit.test',
    token: await t.adminToken(),
    fetch: (url, init) => t.request(url.slice('http://remit.test'.length), init),
  });
}

function tempFile(name: string, text: string): { path: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'remit-apply-'));
  writeFileSync(join(dir, name), text);
  return { path: join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('remit apply -f examples/platform.yaml', () => {
  it('creates everything the file names, then finds nothing to change the second time', async () => {
    await withTestApp(async (t) => {
      const client = await adminClient(t);
      const env = exampleEnv();
      const platform = loadPlatformFile(example, env);
      const options = { resendSecrets: false, env };

      const dryRun = await applyPlatform(client, platform, { ...options, dryRun: true });
      expect(planSummary(dryRun)).toEqual({ create: 9, update: 0, unchanged: 0 });
      expect(await client.list('/v1/admin/roles')).toEqual([]); // a dry run changes nothing

      const first = await applyPlatform(client, platform, { ...options, dryRun: false });
      expect(first.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
        'create connection payments-api',
        'create connection payments-admin',
        'create connection source',
        'create connection aws-readonly',
        'create role developer',
        'create role platform-engineer',
        'create binding developer ← group developers',
        'create binding platform-engineer ← group platform-engineers',
        'create binding platform-engineer ← user oncall-lead@example.com',
      ]);
      const connections = await client.list<Connection>('/v1/admin/connections');
      // Each verified live before it was saved: the payments service, GitHub's /user, and STS AssumeRole.
      expect(connections.map((c) => [c.name, c.type, c.hasSecret, c.verifiedAt !== null])).toEqual([
        ['aws-readonly', 'aws', false, true],
        ['payments-admin', 'http', true, true],
        ['payments-api', 'http', true, true],
        ['source', 'github', true, true],
      ]);
      expect(reachable.assumeRoleCalls.at(-1)).toMatchObject({
        Action: 'AssumeRole',
        RoleArn: 'arn:aws:iam::123456789012:role/remit-readonly',
        ExternalId: 'remit-example-external-id',
      });

      const second = await applyPlatform(client, platform, { ...options, dryRun: false });
      expect(planSummary(second)).toEqual({ create: 0, update: 0, unchanged: 9 });
      expect(renderSummary(second, { dryRun: false, source: 'examples/platform.yaml' })).toBe(
        'No changes: the server already matches examples/platform.yaml (9 unchanged).',
      );
    });
  });

  it('plans a change as the fields that differ, applies only those, and leaves what the file does not name alone', async () => {
    await withTestApp(async (t) => {
      const client = await adminClient(t);
      const env = exampleEnv();
      await applyPlatform(client, loadPlatformFile(example, env), { dryRun: false, resendSecrets: false, env });
      await client.post('/v1/admin/roles', { name: 'auditor', runKinds: ['insight'] });
      const edited = tempFile(
        'platform.yaml',
        `roles:
  - name: developer
    description: Reads service health and logs
    connections: [source, payments-api]   # the same set in another order: no change
    runKinds: [review, troubleshoot]
    limits: { maxDurationSeconds: 300, maxSteps: 20 }
`,
      );
      try {
        const plan = await applyPlatform(client, loadPlatformFile(edited.path, env), { dryRun: true, resendSecrets: false, env });
        expect(plan.changes).toMatchObject([{ kind: 'role', name: 'developer', action: 'update', fields: [{ path: 'limits.maxSteps', from: 12, to: 20 }] }]);
        expect(renderChange(plan.changes[0]!, createStyle(false))).toBe('~ role developer\n    limits.maxSteps: 12 → 20');
        expect(plan.notInFile.roles.sort()).toEqual(['auditor', 'platform-engineer']);
        expect(renderSummary(plan, { dryRun: true, source: edited.path })).toContain('Not in the file, left alone: roles ');

        await applyPlatform(client, loadPlatformFile(edited.path, env), { dryRun: false, resendSecrets: false, env });
        const developer = await client.get<Role>('/v1/admin/roles/developer');
        expect(developer.limits).toEqual({ maxDurationSeconds: 300, maxSteps: 20 });
        expect((await client.list<Role>('/v1/admin/roles')).map((r) => r.name).sort()).toEqual(['auditor', 'developer', 'platform-engineer']);
      } finally {
        edited.dispose();
      }
    });
  });

  it('sends secrets only when a connection needs them, or when asked to, and never prints one', async () => {
    await withTestApp(async (t) => {
      const client = await adminClient(t);
      const env = exampleEnv();
      const platform = loadPlatformFile(example, env);
      const created = await applyPlatform(client, platform, { dryRun: false, resendSecrets: false, env });
      // Unchanged connections need no secret at hand: the variables may be gone.
      const withoutSecrets = { ...env, PAYMENTS_READ_TOKEN: '', PAYMENTS_ADMIN_TOKEN: '', GITHUB_TOKEN: '' };
      expect(
        planSummary(await applyPlatform(client, loadPlatformFile(example, withoutSecrets), { dryRun: true, resendSecrets: false, env: withoutSecrets })),
      ).toMatchObject({
        update: 0,
      });
      await expect(applyPlatform(client, platform, { dryRun: true, resendSecrets: true, env: withoutSecrets })).rejects.toThrow(
        'connections[payments-api].secret.token: environment variable PAYMENTS_READ_TOKEN is not set',
      );

      const rotated = await applyPlatform(client, platform, { dryRun: false, resendSecrets: true, env });
      expect(rotated.changes.filter((c) => c.action === 'update').map((c) => c.name)).toEqual(['payments-api', 'payments-admin', 'source']);
      const printed = [created, rotated].flatMap((plan) => [
        JSON.stringify(planJson(plan, false)),
        ...plan.changes.map((c) => renderChange(c, createStyle(false))),
        renderSummary(plan, { dryRun: false, source: example }),
      ]);
      for (const text of printed) {
        expect(text).not.toContain(READ_TOKEN);
        expect(text).not.toContain(ADMIN_TOKEN);
      }
      expect(printed.join('\n')).toContain('secret: sent again (token from $PAYMENTS_READ_TOKEN)');
    });
  });
});

describe('platform files', () => {
  it.each([
    [
      'a secret written inline',
      'connections:\n  - { name: x, type: http, config: { baseUrl: "https://x.example.com" }, secret: { token: hunter2 } }\n',
      /secrets are never written in the file/,
    ],
    ['an unknown top-level key', 'rolez: []\n', /Unrecognized key/],
    ['a role twice', 'roles:\n  - { name: a, runKinds: [review] }\n  - { name: a, runKinds: [review] }\n', /roles\[a\]: named twice/],
    [
      'a variable that is not set',
      'roles:\n  - { name: a, description: "${NOT_SET_ANYWHERE}", runKinds: [review] }\n',
      /roles\[a\]\.description: environment variable NOT_SET_ANYWHERE is not set/,
    ],
    ['a binding to neither group nor user', 'bindings:\n  - { role: a }\n', /bindings\[0\]/],
    ['YAML that does not parse', 'roles: [\n', /platform\.yaml: /],
  ])('refuses %s, saying where', (_what, text, message) => {
    const file = tempFile('platform.yaml', text);
    try {
      expect(() => loadPlatformFile(file.path, {})).toThrow(message);
    } finally {
      file.dispose();
    }
  });

  it('keeps the secret out of the error when a secret is written inline', () => {
    const file = tempFile(
      'platform.yaml',
      'connections:\n  - { name: x, type: http, config: { baseUrl: "https://x.example.com" }, secret: { token: hunter2 } }\n',
    );
    try {
      expect(() => loadPlatformFile(file.path, {})).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    } finally {
      file.dispose();
    }
  });

  it('fills ${NAME} and ${NAME:-default} from the environment outside secrets, and reads fromFile relative to the file', () => {
    const file = tempFile(
      'platform.yaml',
      `connections:
  - name: api
    type: http
    config: { baseUrl: "\${API_URL:-https://fallback.example.com}/v1", auth: { scheme: bearer } }
    secret: { token: { fromFile: ./token.txt } }
roles:
  - { name: dev, description: "costs $$5", runKinds: [review] }
`,
    );
    try {
      const platform = loadPlatformFile(file.path, { API_URL: 'https://api.example.com' });
      expect(platform.connections[0]!.connection.config).toMatchObject({ baseUrl: 'https://api.example.com/v1' });
      expect(platform.connections[0]!.secret).toEqual({ token: { fromFile: './token.txt' } });
      expect(platform.roles[0]!.description).toBe('costs $5');
      expect(loadPlatformFile(file.path, {}).connections[0]!.connection.config).toMatchObject({ baseUrl: 'https://fallback.example.com/v1' });
    } finally {
      file.dispose();
    }
  });
});
