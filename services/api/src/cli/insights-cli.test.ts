import { describe, expect, it } from 'vitest';
import { seedFindings } from '../testing/insight-findings.ts';
import { withTestApp } from '../testing/test-app.ts';
import { ExitCode } from './exit-codes.ts';
import { runRemit, serveTestApp } from './testing.ts';

describe('remit insights', () => {
  // Each command is a process of its own (the bundled bin/remit): about twenty of them.
  it('manages insight jobs and moves findings through the review queue; a developer is refused; bad usage says how', async () => {
    await withTestApp(async (t) => {
      const server = await serveTestApp(t);
      try {
        const remit = (token: string, args: string[]) => runRemit(args, { REMIT_URL: server.url, REMIT_TOKEN: token });
        const admin = await t.adminToken();
        const { findingIds } = await seedFindings(t, ['high', 'low']);
        const [first, second] = findingIds as [string, string];

        const created = await remit(admin, [
          'insights',
          'jobs',
          'create',
          'weekly-cost',
          '--role',
          'platform-engineer',
          '--schedule',
          '0 7 * * 1',
          '--timezone',
          'Europe/Berlin',
          '--focus',
          'cost',
          '--json',
        ]);
        expect(created.status).toBe(0);
        expect(JSON.parse(created.stdout)).toMatchObject({ name: 'weekly-cost', focus: 'cost', timezone: 'Europe/Berlin', enabled: true });
        const list = await remit(admin, ['insights', 'jobs', 'list']);
        expect(list.stdout).toMatch(/^NAME +ROLE +SCHEDULE +FOCUS +ENABLED +NEXT DUE$/m);
        expect(list.stdout).toMatch(/^weekly-cost +platform-engineer +0 7 \* \* 1 \(Europe\/Berlin\) +cost +yes +2\d{3}-/m);
        expect((await remit(admin, ['insights', 'jobs', 'update', 'weekly-cost', '--disable'])).stdout).toBe(
          'insight job weekly-cost updated; next run never (disabled)\n',
        );
        const bad = await remit(admin, ['insights', 'jobs', 'update', 'weekly-cost', '--schedule', '0 7 * *']);
        expect(bad.status).toBe(ExitCode.failed);
        expect(bad.stderr).toContain('(invalid_schedule)');
        const ran = await remit(admin, ['insights', 'jobs', 'run-now', 'weekly-cost', '--json']);
        expect(JSON.parse(ran.stdout)).toMatchObject({ status: 'queued' });
        expect((await remit(admin, ['insights', 'jobs', 'delete', 'weekly-cost'])).stdout).toBe('insight job weekly-cost deleted\n');
        expect((await remit(admin, ['insights', 'jobs', 'update', 'nightly-reliability'])).status).toBe(ExitCode.usage);

        const findings = await remit(admin, ['insights', 'findings', 'list', '--severity', 'high']);
        expect(findings.stdout).toMatch(new RegExp(`^${first} +high +new +nightly-reliability +Card processor timeouts at p95 \\(1\\)$`, 'm'));
        expect(findings.stdout).not.toContain(second);

        expect((await remit(admin, ['insights', 'findings', 'accept', first, '--note', 'on it'])).stdout).toBe(`finding ${first} is now accepted\n`);
        const early = await remit(admin, ['insights', 'findings', 'done', second]);
        expect(early.status).toBe(ExitCode.failed);
        expect(early.stderr).toContain('(invalid_transition)');
        await remit(admin, ['insights', 'findings', 'done', first]);
        const shown = await remit(admin, ['insights', 'findings', 'show', first]);
        expect(shown.stdout).toMatch(/status: +done/);
        expect(shown.stdout).toContain('#4/#5 http: card-processor timed out after 3000 ms');
        expect(shown.stdout).toMatch(/new → accepted +by admin@example\.com: on it/);
        const asJson = JSON.parse((await remit(admin, ['insights', 'findings', 'show', first, '--json'])).stdout) as { history: unknown[] };
        expect(asJson.history).toHaveLength(3);
        expect((await remit(admin, ['insights', 'findings', 'dismiss', second, '--json'])).status).toBe(0);

        const dev = await t.tokenFor({ email: 'dev@example.com' });
        for (const args of [
          ['insights', 'findings', 'list'],
          ['insights', 'jobs', 'run-now', 'nightly-reliability'],
        ]) {
          const refused = await remit(dev, args);
          expect(refused.status).toBe(ExitCode.failed);
          expect(refused.stderr).toContain('(forbidden)');
        }
      } finally {
        await server.close();
      }
    });
  }, 120_000);
});
