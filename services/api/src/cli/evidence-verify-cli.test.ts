import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainHash, checkpointKeyId, GENESIS_PREV_HASH, signCheckpoint, type EvidenceEntry, type RunEvidence } from '@remit/audit';
import { describe, expect, it } from 'vitest';
import { runRemit } from './testing.ts';

const ORG = '0b9c2d4e-1111-4222-8333-444455556666';
const RUN = '7d0c2d4e-1111-4222-8333-444455556666';

/** A two-entry chain (run.create, run.finish) and a checkpoint over it, built as the exporter would. */
function evidenceFile(privateKey: Parameters<typeof signCheckpoint>[1], publicKey: Parameters<typeof checkpointKeyId>[0]): RunEvidence {
  const fields = [
    { action: 'run.create', at: '2025-01-02T03:04:05.678Z', detail: { kind: 'troubleshoot', role: 'oncall', trigger: 'user' } },
    { action: 'run.finish', at: '2025-01-02T03:05:05.678Z', detail: { status: 'succeeded', reason: null, steps: 2 } },
  ];
  const entries: EvidenceEntry[] = [];
  let prevHash = GENESIS_PREV_HASH;
  fields.forEach((f, i) => {
    const e = { orgId: ORG, seq: i + 1, actorId: null, targetType: 'run', targetId: RUN, outcome: 'success' as const, requestId: null, ...f };
    const hash = chainHash(e, prevHash);
    entries.push({ ...e, prevHash, hash });
    prevHash = hash;
  });
  const item = (e: EvidenceEntry) => ({ seq: e.seq, hash: e.hash, at: e.at, action: e.action, actorId: e.actorId, outcome: e.outcome, detail: e.detail });
  const checkpoint = signCheckpoint(
    { v: 1, orgId: ORG, seq: 2, headHash: prevHash, at: '2025-01-02T03:06:00.000Z', prevCheckpointHash: GENESIS_PREV_HASH, keyId: checkpointKeyId(publicKey) },
    privateKey,
  );
  return {
    format: 'remit.run-evidence',
    v: 2,
    runId: RUN,
    exportedAt: '2025-01-02T03:07:00.000Z',
    proven: {
      created: item(entries[0]!),
      connections: [],
      sandbox: [],
      modelCalls: [],
      toolCalls: [],
      toolDenials: [],
      cancelled: [],
      finished: item(entries[1]!),
      other: [],
    },
    asserted: { egressRequests: [] },
    entries,
    checkpoint,
  };
}

describe('remit evidence verify', () => {
  it('verifies offline with only the file and the key, and fails an edited file, another key and bad usage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remit-evidence-'));
    try {
      const key = generateKeyPairSync('ed25519');
      const pem = join(dir, 'public.pem');
      await writeFile(pem, key.publicKey.export({ format: 'pem', type: 'spki' }));
      const file = join(dir, 'evidence.json');
      const evidence = evidenceFile(key.privateKey, key.publicKey);
      await writeFile(file, JSON.stringify(evidence));

      const ok = await runRemit(['evidence', 'verify', file, '--public-key', pem]);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/✓ 2 audit entries \(seq 1\.\.2\) recompute to the checkpoint's head hash/);
      expect(ok.stdout).toMatch(/finished at 2025-01-02T03:05:05.678Z: \{"reason":null,"status":"succeeded","steps":2\} \(entry 2\)/);
      expect(ok.stdout).toMatch(/model call: none/);
      expect(ok.stdout).toMatch(/only asserted by the exporter \(not covered by an audit entry\): egressRequests/);

      evidence.proven.finished = { ...evidence.proven.finished!, detail: { ...evidence.proven.finished!.detail, status: 'failed' } };
      await writeFile(file, JSON.stringify(evidence));
      expect(await runRemit(['evidence', 'verify', file, '--public-key', pem])).toMatchObject({
        status: 1,
        stdout: expect.stringMatching(/does not verify: proven.finished differs from audit entry 2 at detail.status/),
      });

      const other = join(dir, 'other.pem');
      await writeFile(other, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
      await writeFile(file, JSON.stringify(evidenceFile(key.privateKey, key.publicKey)));
      expect(await runRemit(['evidence', 'verify', file, '--public-key', other, '--json'])).toMatchObject({
        status: 1,
        stdout: expect.stringMatching(/"ok":false,"reason":"the checkpoint does not verify with this key: signed by another key/),
      });
      expect((await runRemit(['evidence', 'verify', file])).status).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
