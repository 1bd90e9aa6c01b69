import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLITE_TEMPLATE_ENV, writePgliteTemplate } from '@remit/db/testing';

/**
 * vitest globalSetup: initialises one PGlite cluster for the whole run and names its dump in
 * PGLITE_TEMPLATE_ENV, which the test processes (forked after this) inherit; see
 * packages/db/src/testing.ts. Removed when the run ends.
 */
export default async function pgliteTemplate(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'remit-pglite-template-'));
  const path = join(dir, 'cluster.tar.gz');
  await writePgliteTemplate(path);
  process.env[PGLITE_TEMPLATE_ENV] = path;
  return () => {
    delete process.env[PGLITE_TEMPLATE_ENV];
    rmSync(dir, { recursive: true, force: true });
  };
}
