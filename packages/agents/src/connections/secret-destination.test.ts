import { describe, expect, it } from 'vitest';
import { changedDestinationFields, secretDestination, userTokenDestination } from './secret-destination.ts';

const http = (config: Record<string, unknown>) => ({ type: 'http' as const, authMode: 'service_account' as const, config });
const saved = http({ baseUrl: 'https://api.example.com/tenant-a', auth: { scheme: 'header', headerName: 'X-Tenant-Key' }, verifyPath: '/status' });
const moved = (config: Record<string, unknown>) => changedDestinationFields(secretDestination(saved), secretDestination(http({ ...saved.config, ...config })));

describe('where a stored secret is sent', () => {
  it.each([
    ['another host', { baseUrl: 'https://evil.example.net/tenant-a' }, ['config.baseUrl']],
    ['another port', { baseUrl: 'https://api.example.com:8443/tenant-a' }, ['config.baseUrl']],
    ['http instead of https', { baseUrl: 'http://api.example.com/tenant-a' }, ['config.baseUrl']],
    ['the same host, another tenant’s path', { baseUrl: 'https://api.example.com/tenant-b' }, ['config.baseUrl']],
    ['the same host, the root path', { baseUrl: 'https://api.example.com' }, ['config.baseUrl']],
    ['the same host, a deeper path', { baseUrl: 'https://api.example.com/tenant-a/debug' }, ['config.baseUrl']],
    ['a query on the base URL', { baseUrl: 'https://api.example.com/tenant-a?forward=evil' }, ['config.baseUrl']],
    ['credentials in the base URL', { baseUrl: 'https://someone@api.example.com/tenant-a' }, ['config.baseUrl']],
    ['another verify path', { verifyPath: '/debug/echo' }, ['config.verifyPath']],
    ['a verify path that climbs out of the base path', { verifyPath: '/../tenant-b/collect' }, ['config.verifyPath']],
    ['header → basic', { auth: { scheme: 'basic' } }, ['config.auth.scheme', 'config.auth.headerName']],
    ['header → bearer', { auth: { scheme: 'bearer' } }, ['config.auth.scheme', 'config.auth.headerName']],
    ['another header name (one the upstream logs)', { auth: { scheme: 'header', headerName: 'User-Agent' } }, ['config.auth.headerName']],
    ['the default header name instead of the saved one', { auth: { scheme: 'header' } }, ['config.auth.headerName']],
  ])('moves with %s', (_name, change, fields) => {
    expect(moved(change)).toEqual(fields);
  });

  it.each([
    ['a trailing slash', { baseUrl: 'https://api.example.com/tenant-a/' }],
    ['an upper-case host', { baseUrl: 'https://API.Example.COM/tenant-a' }],
    ['the default port spelled out', { baseUrl: 'https://api.example.com:443/tenant-a' }],
    ['a fragment, which is never sent', { baseUrl: 'https://api.example.com/tenant-a#x' }],
    ['the header name in another case', { auth: { scheme: 'header', headerName: 'x-tenant-key' } }],
    ['a private range allowed for the same host name', { allowPrivateCidrs: ['10.0.0.0/8'] }],
  ])('stays put with %s', (_name, change) => {
    expect(moved(change)).toEqual([]);
  });

  it('ignores a header name the scheme does not use', () => {
    const bearer = http({ baseUrl: 'https://api.example.com', auth: { scheme: 'bearer' } });
    const renamed = http({ baseUrl: 'https://api.example.com', auth: { scheme: 'bearer', headerName: 'User-Agent' } });
    expect(changedDestinationFields(secretDestination(bearer), secretDestination(renamed))).toEqual([]);
  });

  it('moves a GitHub token or App key with the API URL, the auth kind, the app or the installation', () => {
    const gh = (config: Record<string, unknown>) => secretDestination({ type: 'github', authMode: 'service_account', config });
    const app = { apiUrl: 'https://ghe.example.com/api/v3', auth: 'app', appId: 1, installationId: 2 };
    expect(changedDestinationFields(gh(app), gh({ ...app, apiUrl: 'https://evil.example.net/api/v3' }))).toEqual(['config.apiUrl']);
    expect(changedDestinationFields(gh(app), gh({ ...app, appId: 9 }))).toEqual(['config.appId']);
    expect(changedDestinationFields(gh(app), gh({ ...app, installationId: 9 }))).toEqual(['config.installationId']);
    expect(changedDestinationFields(gh({}), gh({ apiUrl: 'https://api.github.com/' }))).toEqual([]);
  });

  it('moves an OAuth client secret with the token URL, the authorize URL or the client id, and with a change of auth mode', () => {
    const oauth = { authorizeUrl: 'https://idp.example.com/authorize', tokenUrl: 'https://idp.example.com/token', clientId: 'remit', scopes: [] };
    const user = (o: Partial<typeof oauth>) =>
      secretDestination({ type: 'http', authMode: 'oauth_user', config: { baseUrl: 'https://api.example.com' }, oauth: { ...oauth, ...o } });
    expect(changedDestinationFields(user({}), user({ tokenUrl: 'https://evil.example.net/token' }))).toEqual(['oauth.tokenUrl']);
    expect(changedDestinationFields(user({}), user({ authorizeUrl: 'https://evil.example.net/authorize' }))).toEqual(['oauth.authorizeUrl']);
    expect(changedDestinationFields(user({}), user({ clientId: 'other' }))).toEqual(['oauth.clientId']);
    expect(changedDestinationFields(user({}), secretDestination(saved))).toContain('authMode');
  });

  it('moves users’ tokens with the connection’s endpoint, but not with a service-account-only field', () => {
    const oauth = { authorizeUrl: 'https://idp.example.com/authorize', tokenUrl: 'https://idp.example.com/token', clientId: 'remit', scopes: [] };
    const user = (config: Record<string, unknown>) => userTokenDestination({ type: 'http', authMode: 'oauth_user', config, oauth });
    const base = { baseUrl: 'https://api.example.com/v1', verifyPath: '/me' };
    expect(changedDestinationFields(user(base), user({ ...base, baseUrl: 'https://api.example.com/v2' }))).toEqual(['endpoint']);
    expect(changedDestinationFields(user(base), user({ ...base, verifyPath: '/echo' }))).toEqual(['config.verifyPath']);
    expect(changedDestinationFields(user(base), user({ ...base, auth: { scheme: 'header', headerName: 'x' } }))).toEqual([]);
    expect(changedDestinationFields(user(base), userTokenDestination(saved))).toEqual(['authMode']);
    expect(userTokenDestination(saved)).toBeNull();
  });
});
