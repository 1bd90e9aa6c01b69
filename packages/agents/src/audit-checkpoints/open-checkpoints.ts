import { S3Client } from '@aws-sdk/client-s3';
import { localCheckpointSink, type AuditCheckpoint, type CheckpointPolicy, type CheckpointSink } from '@remit/audit';
import type { SecretStore } from '@remit/secrets';
import { loadOrCreateCheckpointKey, type CheckpointKeyPair } from './checkpoint-key.ts';
import { s3CheckpointSink } from './s3-checkpoint-sink.ts';

export interface CheckpointSettings {
  /** Local directory; used when no bucket is set. */
  dir: string;
  /** S3 bucket with Object Lock; when set, checkpoints go there instead of `dir`. */
  bucket?: string | undefined;
  region?: string | undefined;
  policy: CheckpointPolicy;
  now?: () => Date;
}

/** What the maintenance job and the verifier need: the sink, the policy and the org's key. */
export interface AuditCheckpoints {
  sink: CheckpointSink;
  policy: CheckpointPolicy;
  key(): Promise<CheckpointKeyPair>;
  /** The newest checkpoint this process knows of, so a pass that writes nothing reads no sink. */
  state: { latest?: AuditCheckpoint | undefined; loaded?: boolean };
  /** The clock checkpoints are dated by (tests pass a fake one). */
  now: () => Date;
}

/** The configured sink (S3 when a bucket is set, else the directory) and a lazily created key. */
export function openAuditCheckpoints(settings: CheckpointSettings, secrets: SecretStore, orgId: string): AuditCheckpoints {
  const sink = settings.bucket
    ? s3CheckpointSink(new S3Client(settings.region ? { region: settings.region } : {}), settings.bucket)
    : localCheckpointSink(settings.dir);
  let key: Promise<CheckpointKeyPair> | undefined;
  return {
    sink,
    policy: settings.policy,
    state: {},
    now: settings.now ?? (() => new Date()),
    key: () => {
      key ??= loadOrCreateCheckpointKey(secrets, orgId).catch((err: unknown) => {
        key = undefined;
        throw err;
      });
      return key;
    },
  };
}
