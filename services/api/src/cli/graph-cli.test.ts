import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveGraphSnapshot } from '@remit/db';
import { paymentsSnapshot } from '@remit/db/testing';
import { describe, expect, it } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';
import { ExitCode } from './exit-codes.ts';
import { runRemit, serveTestApp } from './testing.ts';

describe('remit graph', () => {
  it('query: repositories, symbols, callers, callees, deps, owners and services through the API, as text and --json; another role’s repository fails', async () => {
    await withTestApp(async (t) => {
      await saveGraphSnapshot(t.db, t.orgId, { connectionId: null, snapshot: paymentsSnapshot() });
      const server = await serveTestApp(t);
      try {
        const admin = await t.adminToken();
        const remit = (token: string, args: string[]) => runRemit(['graph', 'query', ...args], { REMIT_URL: server.url, REMIT_TOKEN: token });

        const repos = await remit(admin, ['repositories']);
        expect(repos.stdout).toMatch(/^REPOSITORY +CONNECTION +COMMIT +INDEXED +FILES +SYMBOLS$/m);
        expect(repos.stdout).toMatch(/^acme\/payments +\(local\) +commit-v1 +\S+ +2 +4$/m);

        const symbols = await remit(admin, ['symbols', 'acme/payments', 'ch', '--kind', 'method', '--json']);
        expect(JSON.parse(symbols.stdout)).toEqual([expect.objectContaining({ id: 'src/ledger.ts#Ledger.charge' })]);
        const callers = (await remit(admin, ['callers', 'acme/payments', 'src/ledger.ts#Ledger.charge'])).stdout;
        expect(callers).toMatch(/^src\/server.ts#handle +src\/server.ts:6 +yes$/m);
        expect(callers).toMatch(/^src\/server.ts#handle +src\/server.ts:8 +by name$/m);
        expect((await remit(admin, ['callees', 'acme/payments', 'src/server.ts#handle', '-n', '1', '--json'])).stdout).toContain(
          '"to": "src/ledger.ts#Ledger.charge"',
        );
        expect((await remit(admin, ['deps', 'acme/payments', 'src/ledger.ts'])).stdout).toMatch(/^imported by +src\/server.ts# +src\/server.ts:1$/m);
        expect((await remit(admin, ['owners', 'acme/payments', 'src/ledger.ts'])).stdout).toBe('@acme/ledger  (CODEOWNERS line 2: /src/ledger.ts)\n');
        expect((await remit(admin, ['services'])).stdout).toMatch(/^acme\/payments +route +POST +\/charges +src\/server.ts:3$/m);

        // A local repository is the admins': anyone else is told it does not exist.
        const dev = await t.tokenFor({ email: 'dev@example.com' });
        expect((await remit(dev, ['repositories'])).stdout).toContain('(none)');
        const refused = await remit(dev, ['symbols', 'acme/payments']);
        expect(refused.status).toBe(ExitCode.failed);
        expect(refused.stderr).toContain('(not_found)');
      } finally {
        await server.close();
      }
    });
    // Ten CLI processes, one after another, on a shared 2-core machine.
  }, 120_000);

  it('index: stores a local directory’s graph, and a second run re-stores only what changed; a missing directory is a usage error', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'remit-graph-data-'));
    const src = mkdtempSync(join(tmpdir(), 'remit-graph-src-'));
    try {
      mkdirSync(join(src, 'src'));
      writeFileSync(join(src, 'src', 'ledger.ts'), 'export class Ledger {\n  charge(amount: number): void {\n    console.log(amount);\n  }\n}\n');
      writeFileSync(join(src, 'src', 'server.ts'), "import { Ledger } from './ledger';\nexport function handle(): void {\n  new Ledger().charge(1);\n}\n");
      const index = () => runRemit(['graph', 'index', '--path', src, '--repository', 'local/toy', '--json'], { REMIT_DATA_DIR: dataDir });
      const first = await index();
      expect(first.status, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ repository: 'local/toy', files: 2, changedFiles: 2, removedFiles: 0 });
      writeFileSync(join(src, 'src', 'ledger.ts'), 'export class Ledger {\n  refund(amount: number): void {}\n}\n');
      const second = await index();
      expect(JSON.parse(second.stdout)).toMatchObject({ files: 2, changedFiles: 1 });

      const missing = await runRemit(['graph', 'index', '--path', join(src, 'nope')], { REMIT_DATA_DIR: dataDir });
      expect(missing.status).toBe(ExitCode.usage);
      expect(missing.stderr).toContain('is not a directory');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(src, { recursive: true, force: true });
    }
  }, 120_000);
});
