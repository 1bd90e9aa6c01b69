import { upsertUser } from '@remit/db';
import { describe, expect, it } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';
import { ExitCode } from './exit-codes.ts';
import { runRemit, serveTestApp } from './testing.ts';

describe('remit holds', () => {
  it('sets, lists and releases a legal hold through the API; a developer is refused; bad usage says how', async () => {
    await withTestApp(async (t) => {
      const server = await serveTestApp(t);
      try {
        const remit = (token: string, args: string[]) => runRemit(args, { REMIT_URL: server.url, REMIT_TOKEN: token });
        const admin = await t.adminToken();
        const carol = await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => (await upsertUser(sql, { sub: 'carol', email: null })).id);

        const set = await remit(admin, ['holds', 'set', '--user', carol, '--reason', 'matter 17', '--json']);
        expect(set.status).toBe(0);
        const hold = JSON.parse(set.stdout) as { id: string };

        const list = await remit(admin, ['holds', 'list']);
        expect(list.stdout).toMatch(/^ID +SUBJECT +SET +RELEASED +REASON$/m);
        expect(list.stdout).toMatch(new RegExp(`^${hold.id} +user ${carol} +\\S+ +- +matter 17$`, 'm'));

        const dev = await t.tokenFor({ email: 'dev@example.com' });
        const refused = await remit(dev, ['holds', 'release', hold.id]);
        expect(refused.status).toBe(ExitCode.failed);
        expect(refused.stderr).toContain('(forbidden)');

        const released = await remit(admin, ['holds', 'release', hold.id]);
        expect(released.stdout).toBe(`legal hold ${hold.id} on user ${carol} released\n`);
        expect((await remit(admin, ['holds', 'list'])).stdout).toContain('(none)');
        expect((await remit(admin, ['holds', 'list', '--all', '--json'])).stdout).toContain(hold.id);

        const both = await remit(admin, ['holds', 'set', '--user', carol, '--run', carol, '--reason', 'x']);
        expect(both.status).toBe(ExitCode.usage);
        expect(both.stderr).toContain('remit holds set (--user USER_ID | --run RUN_ID) --reason TEXT');
      } finally {
        await server.close();
      }
    });
  });
});
