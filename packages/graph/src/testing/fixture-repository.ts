import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FixtureRepository {
  root: string;
  write(path: string, content: string | Buffer): void;
  unlink(path: string): void;
  remove(): void;
}

/** A temp directory holding `files` (path → content); `write` changes or adds one, `unlink` removes one. */
export function createFixtureRepository(files: Record<string, string | Buffer>): FixtureRepository {
  const root = mkdtempSync(join(tmpdir(), 'remit-graph-fixture-'));
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  for (const [path, content] of Object.entries(files)) write(path, content);
  return { root, write, unlink: (path) => unlinkSync(join(root, path)), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A small service in the four languages: routes, clients, queues, imports across files, bases, CODEOWNERS. */
export const SERVICE_FIXTURE: Record<string, string> = {
  '.github/CODEOWNERS': '# owners\n*.ts @acme/payments\n/api/ @acme/api ops@example.com # the API\n\nnot-an-owner-line\n',
  'src/ledger.ts': [
    "import { publish } from './events';",
    "import * as money from './money.js';",
    '',
    '/** Keeps the books. */',
    'export class Ledger extends Base implements Auditable {',
    '  /** Charges a card. */',
    '  async charge(amount: number, onDone = () => { audit(); }): Promise<void> {',
    '    money.round(amount);',
    '    this.record(amount);',
    "    publish('ledger-events');",
    "    await fetch('https://user:secret@api.stripe.com/v1/charges?key=abc');",
    '  }',
    '  private record(amount: number) {',
    '    return amount;',
    '  }',
    '}',
    '',
    'export const MAX_CHARGE = 10_000;',
    'const internal = 1;',
    'export type Currency = "EUR" | "USD";',
    'export interface Auditable { audit(): void }',
    'export enum Status { Open, Closed }',
    '',
  ].join('\n'),
  'src/money.ts': 'export function round(value: number): number {\n  return Math.round(value);\n}\n',
  'src/events.ts':
    "export function publish(topic: string) {\n  return sqs.sendMessage({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/payments', MessageBody: topic });\n}\n",
  'src/server.js': [
    "const express = require('express');",
    'const app = express();',
    "app.post('/charges', async (req, res) => { res.send(await axios.get('https://fraud.internal/check')); });",
    'function start() { app.listen(8080); }',
    '',
  ].join('\n'),
  'api/app.py': [
    '"""The payments API."""',
    'from .models import Charge as ChargeModel',
    'import requests',
    '',
    'TIMEOUT = 5',
    '',
    '@app.route("/refunds", methods=["POST"])',
    'def refund(charge_id: str) -> dict:',
    '    """Refunds a charge.',
    '',
    '    Long description."""',
    '    ChargeModel.load(charge_id)',
    '    return requests.post("https://api.stripe.com/v1/refunds")',
    '',
    'class Worker(ChargeModel):',
    '    def run(self):',
    '        self.step()',
    '    def step(self):',
    '        pass',
    '',
  ].join('\n'),
  'api/models.py': 'class Charge:\n    @classmethod\n    def load(cls, charge_id):\n        return cls()\n',
  'api/__init__.py': '',
  'cmd/main.go': [
    'package main',
    '',
    'import (',
    '\t"fmt"',
    '\t"net/http"',
    ')',
    '',
    '// Server serves payments.',
    'type Server struct {',
    '\tAddr string',
    '}',
    '',
    '// Start listens.',
    'func (s *Server) Start() error {',
    '\thttp.HandleFunc("GET /health", health)',
    '\tresp, _ := http.Get("https://status.example.com/ping")',
    '\tfmt.Println(resp)',
    '\treturn nil',
    '}',
    '',
    'func health(w http.ResponseWriter, r *http.Request) {}',
    '',
    'const Version = "1.0"',
    '',
  ].join('\n'),
  'node_modules/dep/index.js': 'export function hidden() {}\n',
  'vendor/lib/x.go': 'package lib\nfunc Hidden() {}\n',
  'dist/bundle.js': 'function built() {}\n',
  '.cache/x.ts': 'export function cached() {}\n',
  'README.md': '# not code\n',
};

/**
 * `git` for tests that commit fixtures and serve them: a fixed author and branch, and `home` as
 * HOME, so nothing of the machine's own git configuration takes part. Returns the trimmed output.
 */
export function fixtureGit(home: string): (cwd: string, ...args: string[]) => string {
  return (cwd, ...args) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: home },
    }).trim();
}
