import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { appendAudit, verifyAuditWithCheckpoint, writeAuditCheckpoint } from '@remit/audit';
import { withTestDb } from '@remit/db/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { s3CheckpointSink } from './s3-checkpoint-sink.ts';

const BUCKET = 'remit-audit-checkpoints-test';

/**
 * A fake Object Lock bucket behind the real S3 client: a conditional put on an existing key
 * fails as S3 does (412 PreconditionFailed), listing pages two keys at a time.
 */
function fakeBucket() {
  const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } });
  const s3 = mockClient(client);
  const objects = new Map<string, Buffer>();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Buffer; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(input.Key)) {
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
        message: 'At least one of the pre-conditions you specified did not hold',
      });
    }
    objects.set(input.Key, Buffer.from(input.Body));
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const more = start + 2 < keys.length;
    return { Contents: keys.slice(start, start + 2).map((Key) => ({ Key })), IsTruncated: more, ...(more ? { NextContinuationToken: String(start + 2) } : {}) };
  });
  // The SDK's stream body, reduced to the one method the sink calls.
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
    Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(objects.get(input.Key)!)) },
  }));
  return { client, s3, objects };
}

describe('S3 checkpoint sink', () => {
  it('puts each checkpoint once, conditionally and with a checksum, and never overwrites', async () => {
    const { client, s3, objects } = fakeBucket();
    const sink = s3CheckpointSink(client, BUCKET);
    expect(await sink.create('org/00000000000000000001.json', Buffer.from('one'))).toBe('created');
    expect(await sink.create('org/00000000000000000001.json', Buffer.from('two'))).toBe('exists');
    expect(objects.get('audit-checkpoints/org/00000000000000000001.json')?.toString()).toBe('one');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: BUCKET,
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
      ContentType: 'application/json',
    });
  });

  it('writes and verifies a real chain through the bucket, across listing pages', async () => {
    const { client } = fakeBucket();
    const sink = s3CheckpointSink(client, BUCKET);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const writer = { sink, privateKey, publicKey };
    await withTestDb(async ({ db, orgA }) => {
      for (let round = 0; round < 5; round++) {
        await db.tenant({ orgId: orgA, userId: null }, (sql) =>
          appendAudit(sql, { actorId: null, action: 'role.update', outcome: 'success', detail: { round } }),
        );
        const out = await writeAuditCheckpoint(db, orgA, writer, { everyEntries: 1, everyMs: 60_000 }, {});
        expect(out.written).toBe(true);
      }
      expect(await verifyAuditWithCheckpoint(db, orgA, writer)).toMatchObject({
        ok: true,
        checkpoint: { status: 'verified', checkpoints: 5, seq: 5, sink: `s3://${BUCKET}/audit-checkpoints/` },
      });
    });
  });
});
