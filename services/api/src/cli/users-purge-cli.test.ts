import { describe, expect, it } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';
import { ExitCode } from './exit-codes.ts';
import { runRemit, serveTestApp } from './testing.ts';

describe('remit users purge', () => {
  it('says what it removes and refuses without --yes; with it, purges by email; a second time finds no one', async () => {
    await withTestApp(async (t) => {
      const server = await serveTestApp(t);
      try {
        const remit = (token: string, args: string[]) => runRemit(args, { REMIT_URL: server.url, REMIT_TOKEN: token });
        const admin = await t.adminToken();
        const user = await t.tokenFor({ email: 'leaving@example.com' });
        expect((await t.request('/v1/me', { token: user })).status).toBe(200);

        const unconfirmed = await remit(admin, ['users', 'purge', 'leaving@example.com']);
        expect(unconfirmed.status).toBe(ExitCode.usage);
        expect(unconfirmed.stderr).toMatch(/cannot be undone[\s\S]*OAuth grants[\s\S]*--yes/);
        const still = await t.db.owner((sql) => sql.query(`select 1 from users where email = 'leaving@example.com'`));
        expect(still.rows).toHaveLength(1);

        const denied = await remit(user, ['users', 'purge', 'leaving@example.com', '--yes']);
        expect(denied.status).toBe(ExitCode.failed);
        expect(denied.stderr).toContain('forbidden');

        const done = await remit(admin, ['users', 'purge', 'LEAVING@example.com', '--yes', '--json']);
        expect(done.status).toBe(ExitCode.ok);
        expect(JSON.parse(done.stdout)).toMatchObject({ alreadyPurged: false, removed: { runs: 0 } });
        const gone = await t.db.owner((sql) => sql.query(`select 1 from users where email = 'leaving@example.com'`));
        expect(gone.rows).toEqual([]);

        const again = await remit(admin, ['users', 'purge', 'leaving@example.com', '--yes']);
        expect(again.status).toBe(ExitCode.failed);
        expect(again.stderr).toContain('No user with the email');
      } finally {
        await server.close();
      }
    });
  });
});
