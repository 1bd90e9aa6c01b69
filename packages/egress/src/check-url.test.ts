import { describe, expect, it } from 'vitest';
import { checkUrl } from './check-url.ts';
import { explainVerdict } from './explain-verdict.ts';
import { fakeResolver } from './test-fakes.ts';

const publicV4 = '93.184.215.14';

describe('checkUrl: URL confusion beyond the vectors file', () => {
  it.each([
    ['http:\\\\127.0.0.1\\x', 'loopback'], // backslashes are slashes in special schemes
    ['HTTP://127.0.0.1/', 'loopback'],
    ['http://１２７.0.0.1/', 'loopback'], // full-width digits, IDNA-mapped
    ['http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/', 'localhost'],
    ['http://LOCALHOST/', 'localhost'],
    ['http://api.localhost/', 'localhost'],
    ['http://api.localhost./', 'localhost'],
    ['http://127.0.0.1../', 'invalid_host'],
    ['http://a..b/', 'invalid_host'],
    ['http://:@127.0.0.1/', 'loopback'], // empty userinfo is dropped by the parser
    ['http://user@8.8.8.8/', 'userinfo'],
    ['http://:secret@8.8.8.8/', 'userinfo'],
    ['http://[::1%25eth0]/', 'invalid_url'],
    ['http://0x100000000/', 'invalid_url'],
    ['http://1.2.3.4.5/', 'invalid_url'],
    ['//8.8.8.8/', 'invalid_url'],
    ['javascript:alert(1)', 'unsupported_scheme'],
    ['ws://8.8.8.8/', 'unsupported_scheme'],
    ['', 'invalid_url'],
  ])('%s → %s', async (url, reason) => {
    expect(await checkUrl(url, { resolver: fakeResolver({}) })).toMatchObject({ allowed: false, reason });
  });

  it('never keeps a password in the verdict', async () => {
    const verdict = await checkUrl('https://admin:hunter2@8.8.8.8/x');
    expect(JSON.stringify({ ...verdict, url: verdict.url?.href })).not.toContain('hunter2');
  });
});

describe('checkUrl: names', () => {
  it('strips one trailing dot and resolves the bare name', async () => {
    const resolver = fakeResolver({ 'api.example.test': [publicV4] });
    const verdict = await checkUrl('https://api.example.test./v1', { resolver });
    expect(verdict).toMatchObject({ allowed: true, host: 'api.example.test', addresses: [publicV4] });
    expect(verdict.url?.href).toBe('https://api.example.test/v1');
    expect(Object.isFrozen(verdict) && Object.isFrozen(verdict.addresses)).toBe(true);
    expect(resolver.calls).toEqual(['api.example.test']);
  });

  it('refuses localhost without asking the resolver', async () => {
    const resolver = fakeResolver({ localhost: [publicV4] });
    expect(await checkUrl('http://localhost./', { resolver })).toMatchObject({ allowed: false, reason: 'localhost' });
    expect(resolver.calls).toEqual([]);
  });

  it('fails closed when the resolver throws or answers nothing', async () => {
    expect(await checkUrl('http://gone.test/', { resolver: fakeResolver({}) })).toMatchObject({
      allowed: false,
      reason: 'dns_failed',
      detail: expect.stringContaining('ENOTFOUND'),
    });
    expect(await checkUrl('http://empty.test/', { resolver: fakeResolver({ 'empty.test': [] }) })).toMatchObject({ allowed: false, reason: 'dns_empty' });
    const hostile = async () => Promise.reject(new Error('boom'));
    expect(await checkUrl('http://x.test/', { resolver: hostile })).toMatchObject({ allowed: false, reason: 'dns_failed' });
  });

  it('refuses a resolver answer that is not a canonical address', async () => {
    const resolver = fakeResolver({ 'odd.test': [publicV4, '0177.0.0.1'] });
    expect(await checkUrl('http://odd.test/', { resolver })).toMatchObject({ allowed: false, reason: 'invalid_address' });
  });

  it('a name answering public and private together is refused, naming the private one', async () => {
    const resolver = fakeResolver({ 'mixed.test': [publicV4, '192.168.0.10'] });
    const verdict = await checkUrl('http://mixed.test/', { resolver });
    expect(verdict).toMatchObject({ allowed: false, reason: 'private', addresses: [publicV4, '192.168.0.10'] });
    expect(verdict.allowed || verdict.detail).toContain('mixed.test resolves to 192.168.0.10');
  });

  it('an admin allowance lets a private name through, but not when it also answers metadata', async () => {
    const resolver = fakeResolver({ 'erp.corp.test': ['10.20.0.5'], 'sneaky.corp.test': ['10.20.0.5', '169.254.169.254'] });
    const allowCidrs = ['10.20.0.0/16'];
    expect(await checkUrl('https://erp.corp.test/', { resolver, allowCidrs })).toMatchObject({ allowed: true, addresses: ['10.20.0.5'] });
    expect(await checkUrl('https://sneaky.corp.test/', { resolver, allowCidrs })).toMatchObject({ allowed: false, reason: 'metadata' });
  });
});

describe('explainVerdict', () => {
  it('is plain JSON with the origin only', async () => {
    const resolver = fakeResolver({ 'hooks.example.test': [publicV4], 'db.internal.test': ['10.0.0.7'] });
    const allowed = explainVerdict(await checkUrl('https://hooks.example.test/services/T0/B0/SECRET?token=abc', { resolver }));
    expect(allowed).toEqual({ url: 'https://hooks.example.test', allowed: true, addresses: [publicV4] });
    const blocked = explainVerdict(await checkUrl('http://db.internal.test:5432/x?password=abc', { resolver }));
    expect(blocked).toEqual({
      url: 'http://db.internal.test:5432',
      allowed: false,
      reason: 'private',
      detail: expect.stringContaining('10.0.0.7'),
      addresses: ['10.0.0.7'],
    });
    expect(JSON.parse(JSON.stringify(blocked))).toEqual(blocked);
    expect(JSON.stringify([allowed, blocked])).not.toMatch(/SECRET|token|password/);
  });

  it('gives a null url when the URL does not parse or has no origin', async () => {
    expect(explainVerdict(await checkUrl('not a url'))).toEqual({ url: null, allowed: false, reason: 'invalid_url', detail: 'The URL does not parse.' });
    expect(explainVerdict(await checkUrl('data:text/plain,x'))).toMatchObject({ url: null, reason: 'unsupported_scheme' });
  });
});
