import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { CheckpointSink } from '@remit/audit';

/**
 * Checkpoints as objects in the stack's Object Lock bucket (infra/lib/audit-bucket.ts): the
 * bucket's default retention (COMPLIANCE mode) applies to every version put here, so not even
 * the account root can delete or overwrite one before it expires. `If-None-Match: *` makes
 * the put conditional (S3 answers 412 when the key exists), so a replica that loses a race
 * never adds a second version under the same name.
 */
export function s3CheckpointSink(client: S3Client, bucket: string, prefix = 'audit-checkpoints/'): CheckpointSink {
  return {
    description: `s3://${bucket}/${prefix}`,
    async create(name, bytes) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: prefix + name,
            Body: bytes,
            ContentType: 'application/json',
            IfNoneMatch: '*',
            // Object Lock requires an integrity checksum on every put.
            ChecksumAlgorithm: 'SHA256',
          }),
        );
        return 'created';
      } catch (err) {
        if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 412 || err.name === 'PreconditionFailed')) return 'exists';
        throw err;
      }
    },
    async list(sub) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + sub, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names.sort();
    },
    async read(name) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + name }));
      if (!out.Body) throw new Error(`empty checkpoint object ${name}`);
      return Buffer.from(await out.Body.transformToByteArray());
    },
  };
}
