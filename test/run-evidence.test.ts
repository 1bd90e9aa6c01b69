import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRunEvidence, localCheckpointSink, verifyRunEvidence, type CheckpointWriter } from '@remit/audit';
import { runStandaloneVerifier } from '@remit/audit/testing';
import type { ScriptedTurn } from '@remit/models';
import { describe, expect, it } from 'vitest';
import { seedRoles, withRunStack } from './support/run-stack.ts';

// Code in the sandbox asks the egress socket for a connection outside the developer role: the proxy refuses it.
const reachAdmin = `
require('node:http')
  .get({ socketPath: '/run/remit/egress.sock', host: 'payments-admin', path: '/restart' }, (res) => { console.log(res.statusCode); res.resume(); })
  .on('error', (e) => { console.error(e.message); process.exit(1); });
`;

/** A fake model's script: a connection call, an egress denial inside exec, a tool call outside the role, an answer. */
const script: ScriptedTurn[] = [
  { text: 'Health first.', toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/health' } }] },
  { text: 'Trying the admin API from code.', toolCalls: [{ name: 'exec', input: { command: ['node', '-e', reachAdmin], timeoutMs: 10_000 } }] },
  { text: 'Then directly.', toolCalls: [{ name: 'http', input: { connection: 'payments-admin', method: 'POST', path: '/restart' } }] },
  { text: 'The card processor is timing out.' },
];

describe('run evidence end to end (bubblewrap sandbox, scripted model)', () => {
  it('proves every model call, tool call, egress denial, connection and sandbox of a real run, offline, with the public key alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remit-evidence-e2e-'));
    try {
      await withRunStack(
        async (s) => {
          await seedRoles(s);
          const alice = await s.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
          const runId = await s.startRun(alice, { kind: 'troubleshoot', input: 'why is checkout failing?' });
          const finished = await s.waitForStatus(runId, ['succeeded', 'failed']);
          expect(finished, JSON.stringify(finished)).toMatchObject({ status: 'succeeded', steps: 4 });

          const key = generateKeyPairSync('ed25519');
          const writer: CheckpointWriter = { sink: localCheckpointSink(join(dir, 'checkpoints')), ...key };
          const evidence = await collectRunEvidence(s.db, s.orgId, runId, writer);
          const text = JSON.stringify(evidence);
          const verdict = verifyRunEvidence(text, key.publicKey);
          if (!verdict.ok) throw new Error(verdict.reason);
          const p = verdict.proven;
          expect(p.created.detail).toEqual({
            kind: 'troubleshoot',
            role: 'developer',
            roleDefinitionSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
            trigger: 'user',
          });
          expect(p.connections.map((c) => c.detail)).toEqual([
            expect.objectContaining({ connection: 'payments-api', type: 'http', authMode: 'service_account', verified: true, failure: null }),
          ]);
          expect(p.sandbox.map((x) => x.action)).toEqual(['run.sandbox_create', 'run.sandbox_destroy']);
          expect(p.sandbox[1]!.detail).toMatchObject({ destroyed: true, egressOutsideToolCalls: { allowed: 0, denied: 0 } });
          expect(p.modelCalls).toHaveLength(4);
          for (const call of p.modelCalls)
            expect(call.detail).toMatchObject({ model: expect.any(String), inputTokens: expect.any(Number), costUsd: expect.any(Number) });
          expect(p.toolCalls.map((t) => [t.detail.tool, t.detail.connection, t.detail.ok])).toEqual([
            ['http', 'payments-api', true],
            ['exec', null, true],
          ]);
          expect(p.toolCalls[0]!.detail.egress).toEqual({ allowed: 1, denied: 0, denials: [] });
          // The admin host is not a connection of the run: its name is not recorded, the refusal is.
          expect(p.toolCalls[1]!.detail.egress).toEqual({ allowed: 0, denied: 1, denials: [{ connection: null, method: 'GET', reason: 'egress_denied' }] });
          expect(p.toolDenials.map((d) => d.detail)).toEqual([expect.objectContaining({ tool: 'http', connection: null, reason: 'connection_not_in_role' })]);
          expect(p.finished?.detail).toMatchObject({ status: 'succeeded', steps: 4 });
          expect(p.other).toEqual([]);
          // Nothing personal in the file: the user is an id, never an email.
          expect(text).not.toContain('alice@example.com');

          // The third party's view: the standalone script, plain Node, the file and the key's PEM.
          const file = join(dir, 'evidence.json');
          const pem = join(dir, 'public.pem');
          await writeFile(file, text);
          await writeFile(pem, key.publicKey.export({ format: 'pem', type: 'spki' }));
          const ok = await runStandaloneVerifier(['--public-key', pem, '--evidence', file]);
          expect(ok.code, ok.out).toBe(0);
          expect(ok.out).toMatch(new RegExp(`^ok run "${runId}": \\d+ audit entries`));
          expect(ok.out).toMatch(
            /tool call at .*"egress":\{"allowed":0,"denials":\[\{"connection":null,"method":"GET","reason":"egress_denied"\}\],"denied":1\}/,
          );
          expect(ok.out.match(/model call at/g)).toHaveLength(4);

          const edited = JSON.parse(text) as typeof evidence;
          edited.proven.modelCalls[0]!.detail.inputTokens = 1;
          await writeFile(file, JSON.stringify(edited));
          expect(await runStandaloneVerifier(['--public-key', pem, '--evidence', file])).toEqual({
            code: 1,
            out: `FAIL ${file}: proven.modelCalls[0] differs from its audit entry ${p.modelCalls[0]!.seq}\n`,
          });
          const dropped = JSON.parse(text) as typeof evidence;
          dropped.proven.toolCalls.pop();
          await writeFile(file, JSON.stringify(dropped));
          expect((await runStandaloneVerifier(['--public-key', pem, '--evidence', file])).out).toMatch(
            /proven.toolCalls does not list one item per audit entry/,
          );
          const rehashed = JSON.parse(text) as typeof evidence;
          rehashed.entries[1]!.detail = { ...rehashed.entries[1]!.detail, verified: false };
          await writeFile(file, JSON.stringify(rehashed));
          expect((await runStandaloneVerifier(['--public-key', pem, '--evidence', file])).out).toMatch(/does not hash to its recorded hash/);
        },
        { script },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
