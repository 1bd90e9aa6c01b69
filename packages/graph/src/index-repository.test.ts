import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphSnapshot, type GraphEdge } from './graph-schema.ts';
import { indexRepository } from './index-repository.ts';
import { createFixtureRepository, SERVICE_FIXTURE, type FixtureRepository } from './testing/fixture-repository.ts';

let fixture: FixtureRepository | undefined;
afterEach(() => fixture?.remove());

const index = (root: string, previous?: GraphSnapshot) =>
  indexRepository({ root, repository: 'acme/payments', commit: 'c0ffee', ...(previous ? { previous } : {}) });
const edge = (snapshot: GraphSnapshot, kind: GraphEdge['kind'], from: string, to: string) =>
  snapshot.edges.find((e) => e.kind === kind && e.from === from && e.to === to);

describe('indexRepository', () => {
  it('reads symbols, signatures and docs in the four languages, skipping dependencies, build output and non-code', async () => {
    fixture = createFixtureRepository(SERVICE_FIXTURE);
    const snapshot = GraphSnapshot.parse(await index(fixture.root));
    expect(snapshot.files.map((f) => [f.path, f.language])).toEqual([
      ['api/__init__.py', 'python'],
      ['api/app.py', 'python'],
      ['api/models.py', 'python'],
      ['cmd/main.go', 'go'],
      ['src/events.ts', 'typescript'],
      ['src/ledger.ts', 'typescript'],
      ['src/money.ts', 'typescript'],
      ['src/server.js', 'javascript'],
    ]);
    const symbol = (id: string) => snapshot.symbols.find((s) => s.id === id);
    expect(symbol('src/ledger.ts#Ledger')).toMatchObject({
      kind: 'class',
      exported: true,
      signature: 'class Ledger extends Base implements Auditable',
      doc: 'Keeps the books.',
      line: 5,
      endLine: 16,
    });
    expect(symbol('src/ledger.ts#Ledger.charge')).toMatchObject({
      kind: 'method',
      exported: true,
      signature: 'async charge(amount: number, onDone = () => {…}): Promise<void>',
      doc: 'Charges a card.',
    });
    expect(symbol('src/ledger.ts#Ledger.record')).toMatchObject({ kind: 'method', exported: false });
    expect(symbol('src/ledger.ts#MAX_CHARGE')).toMatchObject({ kind: 'constant', signature: 'const MAX_CHARGE', exported: true });
    expect(symbol('src/ledger.ts#internal')).toBeUndefined();
    expect(symbol('src/ledger.ts#Currency')).toMatchObject({ kind: 'type', signature: 'type Currency = "EUR" | "USD";' });
    expect(symbol('src/ledger.ts#Auditable')).toMatchObject({ kind: 'interface', signature: 'interface Auditable' });
    expect(symbol('src/ledger.ts#Status')).toMatchObject({ kind: 'enum' });
    expect(symbol('src/ledger.ts#')).toMatchObject({ kind: 'module', name: 'ledger.ts', line: 1 });
    expect(symbol('src/server.js#start')).toMatchObject({ kind: 'function', signature: 'function start()', exported: false });
    expect(symbol('api/app.py#refund')).toMatchObject({
      kind: 'function',
      signature: 'def refund(charge_id: str) -> dict:',
      doc: 'Refunds a charge.',
      exported: true,
    });
    expect(symbol('api/app.py#TIMEOUT')).toMatchObject({ kind: 'constant', signature: 'TIMEOUT' });
    expect(symbol('api/app.py#Worker.run')).toMatchObject({ kind: 'method' });
    expect(symbol('cmd/main.go#Server')).toMatchObject({ kind: 'class', signature: 'type Server struct', doc: 'Server serves payments.', exported: true });
    expect(symbol('cmd/main.go#Server.Start')).toMatchObject({ kind: 'method', signature: 'func (s *Server) Start() error', doc: 'Start listens.' });
    expect(symbol('cmd/main.go#health')).toMatchObject({ exported: false });
    expect(symbol('cmd/main.go#Version')).toMatchObject({ kind: 'constant', signature: 'const Version' });
  });

  it('resolves imports and calls across files, and keeps what it cannot resolve as written', async () => {
    fixture = createFixtureRepository(SERVICE_FIXTURE);
    const snapshot = await index(fixture.root);
    expect(edge(snapshot, 'imports', 'src/ledger.ts#', 'src/events.ts#')).toMatchObject({ resolved: true, line: 1 });
    expect(edge(snapshot, 'imports', 'src/ledger.ts#', 'src/money.ts#')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'calls', 'src/ledger.ts#Ledger.charge', 'src/money.ts#round')).toMatchObject({ resolved: true, line: 8 });
    expect(edge(snapshot, 'calls', 'src/ledger.ts#Ledger.charge', 'src/ledger.ts#Ledger.record')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'calls', 'src/ledger.ts#Ledger.charge', 'src/events.ts#publish')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'calls', 'src/ledger.ts#Ledger.charge', 'fetch')).toMatchObject({ resolved: false });
    expect(edge(snapshot, 'extends', 'src/ledger.ts#Ledger', 'Base')).toMatchObject({ resolved: false });
    expect(edge(snapshot, 'implements', 'src/ledger.ts#Ledger', 'src/ledger.ts#Auditable')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'imports', 'src/server.js#', 'express')).toMatchObject({ resolved: false });
    expect(edge(snapshot, 'calls', 'src/server.js#start', 'app.listen')).toMatchObject({ resolved: false });
    expect(edge(snapshot, 'imports', 'api/app.py#', 'api/models.py#')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'calls', 'api/app.py#refund', 'api/models.py#Charge.load')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'extends', 'api/app.py#Worker', 'api/models.py#Charge')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'calls', 'api/app.py#Worker.run', 'api/app.py#Worker.step')).toMatchObject({ resolved: true });
    expect(edge(snapshot, 'calls', 'cmd/main.go#Server.Start', 'fmt.Println')).toMatchObject({ resolved: false });
    expect(edge(snapshot, 'imports', 'cmd/main.go#', 'net/http')).toMatchObject({ resolved: false });
  });

  it('reads routes, outbound hosts without credentials or queries, queues, and CODEOWNERS', async () => {
    fixture = createFixtureRepository(SERVICE_FIXTURE);
    const snapshot = await index(fixture.root);
    const facts = snapshot.facts.map(({ kind, method, target, symbol, path }) => ({ kind, method, target, symbol, path }));
    expect(facts).toEqual(
      expect.arrayContaining([
        { kind: 'http_route', method: 'POST', target: '/refunds', symbol: 'api/app.py#refund', path: 'api/app.py' },
        { kind: 'http_client', method: 'POST', target: 'https://api.stripe.com/v1/refunds', symbol: 'api/app.py#refund', path: 'api/app.py' },
        { kind: 'http_route', method: 'GET', target: '/health', symbol: 'cmd/main.go#Server.Start', path: 'cmd/main.go' },
        { kind: 'http_client', method: 'GET', target: 'https://status.example.com/ping', symbol: 'cmd/main.go#Server.Start', path: 'cmd/main.go' },
        { kind: 'queue', method: undefined, target: 'https://sqs.eu-west-1.amazonaws.com/1/payments', symbol: undefined, path: 'src/events.ts' },
        { kind: 'queue', method: undefined, target: 'ledger-events', symbol: 'src/ledger.ts#Ledger.charge', path: 'src/ledger.ts' },
        { kind: 'http_client', method: undefined, target: 'https://api.stripe.com/v1/charges', symbol: 'src/ledger.ts#Ledger.charge', path: 'src/ledger.ts' },
        { kind: 'http_route', method: 'POST', target: '/charges', symbol: undefined, path: 'src/server.js' },
        { kind: 'http_client', method: 'GET', target: 'https://fraud.internal/check', symbol: undefined, path: 'src/server.js' },
      ]),
    );
    expect(JSON.stringify(snapshot)).not.toContain('secret');
    expect(snapshot.owners).toEqual([
      { pattern: '*.ts', owners: ['@acme/payments'], line: 2 },
      { pattern: '/api/', owners: ['@acme/api', 'ops@example.com'], line: 3 },
      { pattern: 'not-an-owner-line', owners: [], line: 5 },
    ]);
  });

  it('skips binary files, files over the size cap and symlinks that leave the root', async () => {
    fixture = createFixtureRepository({ 'ok.ts': 'export const A = 1;\n', 'blob.ts': Buffer.from([0x65, 0x00, 0x66]), 'big.ts': `// ${'x'.repeat(2000)}\n` });
    symlinkSync('/etc/hostname', join(fixture.root, 'escape.ts'));
    symlinkSync(join(fixture.root, 'ok.ts'), join(fixture.root, 'inside.ts'));
    symlinkSync('/', join(fixture.root, 'rootdir'));
    const snapshot = await indexRepository({ root: fixture.root, repository: 'local/x', commit: 'worktree', limits: { maxFileBytes: 1000 } });
    expect(snapshot.files.map((f) => f.path)).toEqual(['inside.ts', 'ok.ts']);
  });
});

describe('incremental indexing', () => {
  it('equals a full index of the new tree when files change, vanish and appear', async () => {
    fixture = createFixtureRepository({ ...SERVICE_FIXTURE, 'src/uses-later.ts': "import { later } from './later';\nexport function go() { later(); }\n" });
    const before = await index(fixture.root);
    expect(edge(before, 'calls', 'src/uses-later.ts#go', 'later')).toMatchObject({ resolved: false });
    // money.ts loses round(): ledger.ts's call to it must stop resolving though ledger.ts is
    // unchanged; events.ts vanishes; later.ts appears where an unresolved import pointed.
    fixture.write('src/money.ts', 'export function floor(value: number): number {\n  return Math.floor(value);\n}\n');
    fixture.unlink('src/events.ts');
    fixture.write('src/later.ts', 'export function later() {}\n');
    fixture.write('api/app.py', `${SERVICE_FIXTURE['api/app.py']}\nNEW_CONSTANT = 2\n`);

    const incremental = await index(fixture.root, before);
    const full = await index(fixture.root);
    expect(incremental).toEqual(full);
    expect(edge(before, 'calls', 'src/ledger.ts#Ledger.charge', 'src/money.ts#round')).toMatchObject({ resolved: true });
    expect(edge(incremental, 'calls', 'src/ledger.ts#Ledger.charge', 'money.round')).toMatchObject({ resolved: false });
    expect(edge(incremental, 'calls', 'src/ledger.ts#Ledger.charge', 'publish')).toMatchObject({ resolved: false });
    expect(edge(incremental, 'imports', 'src/ledger.ts#', './events')).toMatchObject({ resolved: false });
    expect(edge(incremental, 'calls', 'src/uses-later.ts#go', 'src/later.ts#later')).toMatchObject({ resolved: true });
    expect(incremental.symbols.some((s) => s.path === 'src/events.ts')).toBe(false);
  });

  it('reuses the records of an unchanged file without parsing it', async () => {
    fixture = createFixtureRepository(SERVICE_FIXTURE);
    const before = await index(fixture.root);
    // A marker only the previous snapshot holds: it survives only if cmd/main.go is not parsed again.
    const marked: GraphSnapshot = {
      ...before,
      symbols: before.symbols.map((s) => (s.id === 'cmd/main.go#health' ? { ...s, signature: 'from the previous snapshot' } : s)),
    };
    fixture.write('src/money.ts', 'export function round(value: number): number {\n  return Math.trunc(value);\n}\n');
    const after = await index(fixture.root, marked);
    expect(after.symbols.find((s) => s.id === 'cmd/main.go#health')?.signature).toBe('from the previous snapshot');
    expect(after.files.find((f) => f.path === 'src/money.ts')?.sha256).not.toBe(before.files.find((f) => f.path === 'src/money.ts')?.sha256);
  });
});
