import { describe, expect, it } from 'vitest';
import { exploreLines } from './demo.ts';

describe('the demo’s “explore it” lines', () => {
  const lines = (dataDir: string | undefined) =>
    exploreLines({ url: 'http://127.0.0.1:8080', runId: 'r-1', dataDir, user: { email: 'alice@example.com', groups: ['developers'] } });

  it('set every variable before a line uses it, so each can be pasted in order into a new shell', () => {
    const set = new Set<string>();
    for (const line of lines(undefined)) {
      for (const [, name] of line.matchAll(/\$([A-Z_]+)/g)) expect(set, `${line} uses $${name}`).toContain(name);
      for (const [, name] of line.matchAll(/(?:export |\s)([A-Z_]+)=/g)) set.add(name!);
    }
    expect(set).toEqual(new Set(['REMIT_URL', 'REMIT_TOKEN', 'ADMIN_TOKEN']));
  });

  it('name the data directory when it is not the default, since remit token signs with the key kept there', () => {
    expect(lines('/srv/remit-data')[0]).toBe('export REMIT_URL=http://127.0.0.1:8080 REMIT_DATA_DIR=/srv/remit-data');
    expect(lines(undefined)[0]).toBe('export REMIT_URL=http://127.0.0.1:8080');
  });
});
