import { describe, expect, it } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';

describe('request logs', () => {
  it('carry the request id on every line of a request, echo it to the caller, and never the bearer token', async () => {
    await withTestApp(async (t) => {
      const token = await t.adminToken();
      const res = await t.request('/v1/admin/roles', { token, headers: { 'x-request-id': 'req-0123456789' } });
      expect(res.headers.get('x-request-id')).toBe('req-0123456789');
      const lines = t.logs.filter((l) => l.requestId === 'req-0123456789');
      expect(lines.length).toBeGreaterThanOrEqual(2); // authenticated (debug) + access line
      expect(lines.at(-1)).toMatchObject({ msg: 'request', method: 'GET', path: '/v1/admin/roles', status: 200 });
      expect(t.rawLogs.join('\n')).not.toContain(token);
    });
  });

  it('replaces an ill-formed request id instead of logging what the caller sent', async () => {
    await withTestApp(async (t) => {
      const res = await t.request('/healthz', { headers: { 'x-request-id': 'bad id <forged-line>' } });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.rawLogs.join('\n')).not.toContain('forged-line');
    });
  });

  it('redacts secret-named fields wherever they appear', async () => {
    const { createLogger } = await import('./logger.ts');
    const { Writable } = await import('node:stream');
    const out: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, done) => (out.push(c.toString()), done()) }) });
    logger.info({ token: 's3cr3t-1', connection: { secret: 's3cr3t-2', headers: { authorization: 'Bearer s3cr3t-3' } }, apiKey: 's3cr3t-4' }, 'x');
    expect(out.join('')).not.toMatch(/s3cr3t/);
    expect(out.join('')).toContain('[redacted]');
  });
});
