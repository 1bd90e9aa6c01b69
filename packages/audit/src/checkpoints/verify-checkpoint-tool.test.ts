import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointHash, checkpointKeyId, encodeCheckpointFile, GENESIS_CHECKPOINT_HASH, signCheckpoint, type AuditCheckpoint } from './checkpoint-format.ts';
import { checkpointName } from './checkpoint-sink.ts';
import { runStandaloneVerifier } from './standalone-verifier.ts';

// The third party's view: tools/verify-checkpoint.mjs run as its own process with plain Node,
// given nothing but files and the public key's PEM.
const ORG = '0b9c2d4e-1111-4222-8333-444455556666';

/** Three linked checkpoints (seq 5, 10, 15) in a directory, and the public key's PEM beside them. */
async function withChain(fn: (t: { dir: string; chain: string; pem: string }) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'remit-verify-tool-'));
  try {
    const key = generateKeyPairSync('ed25519');
    const pem = join(dir, 'public.pem');
    await writeFile(pem, key.publicKey.export({ format: 'pem', type: 'spki' }));
    const chain = join(dir, ORG);
    await mkdir(chain);
    let prev = GENESIS_CHECKPOINT_HASH;
    for (const seq of [5, 10, 15]) {
      const c: AuditCheckpoint = {
        v: 1,
        orgId: ORG,
        seq,
        headHash: 'ab'.repeat(32),
        at: new Date(Date.UTC(2025, 0, 1, 0, seq)).toISOString(),
        prevCheckpointHash: prev,
        keyId: checkpointKeyId(key.publicKey),
      };
      await writeFile(join(dir, checkpointName(ORG, seq)), encodeCheckpointFile(signCheckpoint(c, key.privateKey)), { flag: 'wx' });
      prev = checkpointHash(c);
    }
    await fn({ dir, chain, pem });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('tools/verify-checkpoint.mjs', () => {
  it('verifies one file and a whole chain with only the public key, and says what that proves', async () => {
    await withChain(async ({ dir, chain, pem }) => {
      const one = await runStandaloneVerifier(['--public-key', pem, join(dir, checkpointName(ORG, 10))]);
      expect(one.code).toBe(0);
      expect(one.out).toMatch(
        /verified: this checkpoint signed by key [0-9a-f]{64}; an audit log whose entry 10 has hash (ab){32} holds exactly the entries 1\.\.10/,
      );
      const all = await runStandaloneVerifier(['--public-key', pem, '--chain', chain]);
      expect(all.code).toBe(0);
      expect(all.out).toMatch(/verified: 3 linked checkpoint\(s\)/);
    });
  });

  it('fails a forged signature, another key, an edited field, a gap and a reorder', async () => {
    await withChain(async ({ dir, chain, pem }) => {
      const f10 = join(dir, checkpointName(ORG, 10));
      const original = await readFile(f10, 'utf8');

      await writeFile(f10, original.replace('"seq":10', '"seq":11'));
      expect(await runStandaloneVerifier(['--public-key', pem, f10])).toMatchObject({ code: 1, out: expect.stringMatching(/FAIL .*: bad signature/) });

      const attacker = generateKeyPairSync('ed25519');
      const forged = JSON.parse(original) as { checkpoint: AuditCheckpoint };
      await writeFile(f10, encodeCheckpointFile(signCheckpoint(forged.checkpoint, attacker.privateKey)));
      expect(await runStandaloneVerifier(['--public-key', pem, f10])).toMatchObject({ code: 1, out: expect.stringMatching(/: bad signature/) });
      await writeFile(f10, encodeCheckpointFile(signCheckpoint({ ...forged.checkpoint, keyId: checkpointKeyId(attacker.publicKey) }, attacker.privateKey)));
      expect(await runStandaloneVerifier(['--public-key', pem, f10])).toMatchObject({ code: 1, out: expect.stringMatching(/signed by another key/) });

      await unlink(f10);
      expect(await runStandaloneVerifier(['--public-key', pem, '--chain', chain])).toMatchObject({
        code: 1,
        out: expect.stringMatching(/does not link to the checkpoint before it/),
      });

      await writeFile(f10, original);
      const f15 = join(dir, checkpointName(ORG, 15));
      await rename(f15, `${f15}.x`);
      await rename(f10, f15);
      await rename(`${f15}.x`, f10);
      expect(await runStandaloneVerifier(['--public-key', pem, '--chain', chain])).toMatchObject({
        code: 1,
        out: expect.stringMatching(/claims seq 15 under the name of seq 10/),
      });
    });
  });

  it('exits 2 on bad usage', async () => {
    expect((await runStandaloneVerifier([])).code).toBe(2);
  });
});
