import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CheckpointSink } from './checkpoint-sink.ts';

/**
 * Checkpoints as files under `dir`: each created with O_CREAT|O_EXCL (an existing name is
 * never opened, let alone truncated), written, fsynced and left read-only (0444). This holds
 * against accidents and a compromised app login, not against root on the same machine; the
 * S3 sink with Object Lock is the one that holds against an administrator.
 */
export function localCheckpointSink(dir: string): CheckpointSink {
  const root = resolve(dir);
  const pathOf = (name: string) => {
    if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) throw new TypeError('bad checkpoint name');
    return join(root, name);
  };
  return {
    description: `dir:${root}`,
    async create(name, bytes) {
      const path = pathOf(name);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      let handle;
      try {
        handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        throw err;
      }
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return 'created';
    },
    async list(prefix) {
      const dirPath = pathOf(prefix.replace(/\/$/, ''));
      try {
        const names = await readdir(dirPath);
        return names
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => `${prefix.replace(/\/$/, '')}/${n}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    read: (name) => readFile(pathOf(name)),
  };
}
