import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { thisProcess } from '@remit/core';
import { createLocalDriver, createWarmPool, openSandboxSession } from '@remit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExamplePlatform, type ExamplePlatform } from '../testing/example-platform.ts';
import { withTestApp, type TestApp } from '../testing/test-app.ts';
import { ExitCode } from './exit-codes.ts';
import { runRemit, serveTestApp } from './testing.ts';

const example = fileURLToPath(new URL('../../../../examples/platform.yaml', import.meta.url));
const READ_TOKEN = 'read-token-81f2c4d9';
const ADMIN_TOKEN = 'admin-token-4e7b09a3';

let reachable: ExamplePlatform;
beforeAll(async () => {
  reachable = await startExamplePlatform({ readToken: READ_TOKEN, adminToken: ADMIN_TOKEN, githubToken: 'github-token-2b9f' });
});
afterAll(() => reachable.close());

/** The CLI against the real API over HTTP: `remit(token, ...args)`. */
async function withCli<T>(
  fn: (cli: { t: TestApp; remit: (token: string, args: string[], env?: Record<string, string>) => ReturnType<typeof runRemit> }) => Promise<T>,
  options: Parameters<typeof withTestApp>[1] = {},
) {
  return withTestApp(async (t) => {
    const server = await serveTestApp(t);
    try {
      return await fn({ t, remit: (token, args, env = {}) => runRemit(args, { REMIT_URL: server.url, REMIT_TOKEN: token, ...env }) });
    } finally {
      await server.close();
    }
  }, options);
}

describe('remit against the API', () => {
  it('whoami says who the token is, as text and as JSON', async () => {
    await withCli(async ({ t, remit }) => {
      const admin = await t.adminToken();
      const text = await remit(admin, ['whoami']);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/^user: +admin@example\.com$/m);
      expect(text.stdout).toMatch(/^admin: +yes$/m);
      const json = JSON.parse((await remit(admin, ['whoami', '--json'])).stdout) as { email: string; isAdmin: boolean };
      expect(json).toMatchObject({ email: 'admin@example.com', isAdmin: true });
    });
  });

  it('roles, connections and bindings: create, list, get and delete; errors carry the API’s code', async () => {
    await withCli(async ({ t, remit }) => {
      const admin = await t.adminToken();
      expect((await remit(admin, ['roles', 'create', 'developer', '--run-kinds', 'troubleshoot,review', '--max-steps', '12'])).status).toBe(0);
      const list = await remit(admin, ['roles', 'list']);
      expect(list.stdout).toMatch(/^NAME +RUN KINDS +CONNECTIONS +MAX STEPS +MAX DURATION\ndeveloper +troubleshoot,review +- +12 +900 s\n$/);
      expect(JSON.parse((await remit(admin, ['roles', 'get', 'developer', '--json'])).stdout)).toMatchObject({ name: 'developer', limits: { maxSteps: 12 } });

      const dir = mkdtempSync(join(tmpdir(), 'remit-conn-'));
      try {
        writeFileSync(
          join(dir, 'connection.yaml'),
          `name: payments-api
type: http
config: { baseUrl: "${reachable.env.PAYMENTS_URL}", auth: { scheme: bearer }, verifyPath: /status, allowPrivateCidrs: [127.0.0.1/32] }
secret: { token: { fromEnv: PAYMENTS_READ_TOKEN } }
`,
        );
        const created = await remit(admin, ['connections', 'create', '-f', join(dir, 'connection.yaml')], { PAYMENTS_READ_TOKEN: READ_TOKEN });
        expect(created.stderr).toBe('created connection payments-api\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const connections = await remit(admin, ['connections', 'list', '--json']);
      expect(connections.stdout).not.toContain(READ_TOKEN);
      expect(JSON.parse(connections.stdout)).toMatchObject([{ name: 'payments-api', hasSecret: true }]);

      const bound = await remit(admin, ['bindings', 'create', '--role', 'developer', '--group', 'developers', '--json']);
      const binding = JSON.parse(bound.stdout) as { id: string };
      expect((await remit(admin, ['bindings', 'list'])).stdout).toContain(`${binding.id}  developer  group developers`);
      expect((await remit(admin, ['bindings', 'delete', binding.id])).status).toBe(0);

      const missing = await remit(admin, ['roles', 'get', 'nobody']);
      expect(missing.status).toBe(ExitCode.failed);
      expect(missing.stderr).toMatch(/^remit: .*\(not_found\)\n$/);
      const notAdmin = await remit(await t.tokenFor({ email: 'alice@example.com' }), ['roles', 'list']);
      expect(notAdmin.status).toBe(ExitCode.failed);
      expect(notAdmin.stderr).toContain('(forbidden)');
    });
  });

  it('apply -f examples/platform.yaml: a dry run prints the plan, the first apply makes it, the second finds nothing to do', async () => {
    await withCli(async ({ t, remit }) => {
      const admin = await t.adminToken();
      const env = reachable.env;
      const dryRun = await remit(admin, ['apply', '-f', example, '--dry-run'], env);
      expect(dryRun.status).toBe(0);
      expect(dryRun.stdout).toContain('+ connection payments-api (http; secret: token from $PAYMENTS_READ_TOKEN)\n');
      expect(dryRun.stdout).toContain('+ binding platform-engineer ← user oncall-lead@example.com\n');
      expect(dryRun.stdout).toContain('Plan: 9 to create, 0 to change, 0 unchanged. Dry run: nothing was changed.');
      const first = await remit(admin, ['apply', '-f', example], env);
      expect(first.stdout).toContain('Applied: 9 created, 0 changed, 0 unchanged.');
      const second = await remit(admin, ['apply', '-f', example, '--json'], env);
      expect(JSON.parse(second.stdout)).toMatchObject({ dryRun: false, summary: { create: 0, update: 0, unchanged: 9 } });
      for (const out of [dryRun, first, second]) expect(out.stdout + out.stderr).not.toContain(READ_TOKEN);
    });
  });

  it('runs: start, list, show, cancel, watch (exit 4: cancelled) and export as Markdown and JSON', async () => {
    await withCli(async ({ t, remit }) => {
      const admin = await t.adminToken();
      await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['troubleshoot'] } });
      await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
      const alice = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });

      const started = await remit(alice, ['run', 'troubleshoot', 'why', 'is', 'checkout', 'failing?']);
      expect(started.status).toBe(0);
      const id = started.stdout.trim();
      expect(started.stderr).toBe(`run ${id} queued\n`);

      const listed = JSON.parse((await remit(alice, ['runs', 'list', '--json', '--status', 'queued'])).stdout) as { id: string; input: string }[];
      expect(listed).toMatchObject([{ id, input: 'why is checkout failing?' }]);
      expect((await remit(alice, ['runs', 'show', id])).stdout).toMatch(/^status: +queued$/m);

      const cancelled = await remit(alice, ['runs', 'cancel', id]);
      expect(cancelled.stdout).toBe(`run ${id} cancelled\n`);
      const watched = await remit(alice, ['runs', 'watch', id]);
      expect(watched.status).toBe(ExitCode.cancelled);
      expect(watched.stdout).toContain('● cancelled');

      const markdown = await remit(alice, ['runs', 'export', id]);
      expect(markdown.stdout).toContain(`# Run ${id}`);
      expect(markdown.stdout).toContain('> why is checkout failing?');
      expect(markdown.stdout).toMatch(/\*\*cancelled\*\* \(cancelled_by_user\)/);
      const json = JSON.parse((await remit(alice, ['runs', 'export', id, '--format', 'json'])).stdout) as { run: { id: string }; events: { type: string }[] };
      expect(json.run.id).toBe(id);
      expect(json.events.map((e) => e.type)).toEqual(['status', 'status']);
    });
  });

  it('says how to get a token when there is none, and names the API it cannot reach', async () => {
    const noToken = await runRemit(['whoami']);
    expect(noToken.status).toBe(ExitCode.usage);
    expect(noToken.stderr).toContain('set REMIT_TOKEN (or pass --token)');
    const unreachable = await runRemit(['whoami', '--url', 'http://127.0.0.1:9', '--token', 'x']);
    expect(unreachable.status).toBe(ExitCode.failed);
    expect(unreachable.stderr).toBe('remit: cannot reach the Remit API at http://127.0.0.1:9: start it with bin/remit serve, or set REMIT_URL\n');
  });

  it('sandbox list and kill: an admin sees a live sandbox with whom it serves, kills it; a developer is refused', async () => {
    await withCli(async ({ t, remit }) => {
      const admin = await t.adminToken();
      const session = await openSandboxSession(t.sandboxes, { runId: randomUUID(), owner: thisProcess() });
      try {
        const list = await remit(admin, ['sandbox', 'list']);
        expect(list.status).toBe(0);
        expect(list.stdout).toMatch(/^ID +KIND +STARTED +ALIVE +SERVES$/m);
        expect(list.stdout).toMatch(new RegExp(`^${session.sandboxId} +throwaway +\\S+ +yes +remit sandbox exec \\(pid ${process.pid}\\)$`, 'm'));
        const json = JSON.parse((await remit(admin, ['sandbox', 'list', '--json'])).stdout) as { id: string }[];
        expect(json.map((s) => s.id)).toEqual([session.sandboxId]);

        const dev = await t.tokenFor({ email: 'dev@example.com', groups: ['developers'] });
        const refused = await remit(dev, ['sandbox', 'kill', session.sandboxId]);
        expect(refused.status).toBe(ExitCode.failed);
        expect(refused.stderr).toContain('(forbidden)');

        const killed = await remit(admin, ['sandbox', 'kill', session.sandboxId]);
        expect(killed.status).toBe(0);
        expect(killed.stdout).toBe(`sandbox ${session.sandboxId} killed\n`);
        const none = (await remit(admin, ['sandbox', 'list'])).stdout;
        expect(none).toContain('(none)');
        expect(none).toContain('warm pool: none on this server (REMIT_SANDBOX_WARM_POOL_SIZE=0)');
      } finally {
        await session.close();
      }
    });
  });

  it('sandbox list marks warm-pool sandboxes and sums up the pool; kill takes one out of the pool', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'remit-cli-pool-'));
    const pool = createWarmPool(createLocalDriver({ stateDir }), { size: 1 });
    try {
      await pool.filled();
      const [member] = pool.status().ready as [string];
      await withCli(
        async ({ t, remit }) => {
          const admin = await t.adminToken();
          const list = await remit(admin, ['sandbox', 'list']);
          expect(list.status).toBe(0);
          expect(list.stdout).toMatch(new RegExp(`^${member} +warm pool +\\S+ +yes +no run yet \\(ready\\)$`, 'm'));
          expect(list.stdout).toMatch(/^warm pool: 1 of 1 ready, 0 starting \(512 MB, 64 processes, 120 s CPU each\)$/m);
          const json = JSON.parse((await remit(admin, ['sandbox', 'list', '--json'])).stdout) as { id: string; kind: string; pool: unknown }[];
          expect(json).toEqual([expect.objectContaining({ id: member, kind: 'throwaway', pool: { state: 'warm' } })]);

          const killed = await remit(admin, ['sandbox', 'kill', member]);
          expect(killed.status).toBe(0);
          expect(killed.stdout).toBe(`sandbox ${member} killed; it left the warm pool, which starts another\n`);
          expect(pool.status().ready).not.toContain(member);
        },
        { sandboxes: pool },
      );
    } finally {
      await pool.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
