import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkSecretShape, requiredSecretFields } from './connection-secret.ts';
import { credentialHeaders } from './credential-headers.ts';
import { verifyConnection } from './verify-connection.ts';

const http = (scheme: string, extra: Record<string, unknown> = {}) => ({
  type: 'http' as const,
  authMode: 'service_account' as const,
  config: { baseUrl: 'https://api.example.com', auth: { scheme, ...extra } },
});

describe('connection credentials', () => {
  it('apply each auth scheme as the upstream expects it', () => {
    expect(credentialHeaders(http('bearer'), { token: 't0k3n' })).toEqual({ authorization: 'Bearer t0k3n' });
    expect(credentialHeaders(http('header', { headerName: 'X-Api-Key' }), { token: 't0k3n' })).toEqual({ 'x-api-key': 't0k3n' });
    expect(credentialHeaders(http('basic'), { username: 'svc', password: 'p@ss' })).toEqual({
      authorization: `Basic ${Buffer.from('svc:p@ss').toString('base64')}`,
    });
    expect(credentialHeaders(http('none'), undefined)).toEqual({});
    expect(credentialHeaders({ type: 'github', authMode: 'service_account', config: { auth: 'token' } }, { token: 'ghp_x' })).toMatchObject({
      authorization: 'Bearer ghp_x',
      'user-agent': 'remit',
    });
    // A user-authorised connection uses the user's token, never a stored one.
    expect(credentialHeaders({ ...http('bearer'), authMode: 'oauth_user' }, { token: 'shared' }, 'users-own')).toEqual({ authorization: 'Bearer users-own' });
    expect(credentialHeaders({ ...http('bearer'), authMode: 'oauth_user' }, { token: 'shared' })).toEqual({});
  });

  it('know which secret fields each connection needs, and refuse missing or stray ones', () => {
    expect(requiredSecretFields(http('basic'))).toEqual(['username', 'password']);
    expect(requiredSecretFields({ type: 'github', authMode: 'service_account', config: { auth: 'app' } })).toEqual(['privateKey']);
    expect(requiredSecretFields({ ...http('none'), authMode: 'oauth_user' })).toEqual(['clientSecret']);
    expect(() => checkSecretShape(http('basic'), { username: 'u' })).toThrow(/needs password/);
    expect(() => checkSecretShape(http('bearer'), { token: 't', password: 'p' })).toThrow(/Unknown field in secret/);
    expect(() => checkSecretShape(http('none'), undefined)).not.toThrow();
  });

  it('verify a GitHub token connection against GET /user, and say when the token is refused', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(req.headers.authorization === 'Bearer ghp_good' ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const github = {
        type: 'github' as const,
        authMode: 'service_account' as const,
        config: { apiUrl: `http://127.0.0.1:${port}`, auth: 'token', allowPrivateCidrs: ['127.0.0.1/32'] },
      };
      expect(await verifyConnection(github, { token: 'ghp_good' })).toEqual({ ok: true });
      const bad = await verifyConnection(github, { token: 'ghp_bad' });
      expect(bad).toEqual({ ok: false, reason: 'The credentials were rejected: GET /user answered HTTP 401.' });
      expect(JSON.stringify(bad)).not.toContain('ghp_bad');
      expect(seen[0]).toBe('GET /user Bearer ghp_good');
      // Without the admin's allowance the guard refuses loopback before any request is sent.
      const refused = await verifyConnection({ ...github, config: { ...github.config, allowPrivateCidrs: [] } }, { token: 'ghp_good' });
      expect(refused.ok).toBe(false);
      expect(seen).toHaveLength(2);
    } finally {
      server.close();
    }
  });
});
