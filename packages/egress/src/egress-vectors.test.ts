// Every vector in /work/shared/egress-vectors.md, checked "at save" (checkUrl) and "at send"
// (guardedFetch, asserting no connection is opened). Hosts are as written there.
import { describe, expect, it } from 'vitest';
import { checkUrl } from './check-url.ts';
import { guardedFetch } from './guarded-fetch.ts';
import { fakeResolver, watchedTransport } from './test-fakes.ts';

const publicV4 = '93.184.215.14';
const publicV6 = '2606:2800:21f:cb07:6820:80da:af6b:8b2c';
const resolver = () =>
  fakeResolver({
    'loopback.test': ['127.0.0.1'],
    'mixed.test': [publicV4, '10.0.0.5'],
    'dual.test': [publicV4, '::1'],
    'public.test': [publicV4, publicV6],
  });

// [url, reason]; "host/path" vectors keep their path.
const blocked: [string, string][] = [
  // IPv4 spellings of loopback and "this host"
  ['http://127.0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://127.0.1/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://0177.01/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://0x7f.1/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://0/', 'unspecified'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://127.0.0.1./', 'loopback'],
  ['http://%31%32%37.0.0.1/', 'loopback'],
  // Cloud metadata
  ['http://169.254.169.254/latest/meta-data/', 'metadata'],
  ['http://0xA9FEA9FE/', 'metadata'],
  ['http://2852039166/', 'metadata'],
  ['http://0251.0376.0251.0376/', 'metadata'],
  ['http://0xA9.0xFE.0xA9.0xFE/', 'metadata'],
  ['http://169.254.170.2/v2/credentials/x', 'metadata'],
  ['http://100.100.100.200/', 'metadata'],
  ['http://[fd00:ec2::254]/', 'metadata'],
  // Private and special ranges
  ['http://10.0.0.1/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://100.64.0.1/', 'cgnat'],
  ['http://192.0.0.8/', 'ietf_protocol'],
  ['http://198.18.0.1/', 'benchmarking'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://240.0.0.1/', 'reserved'],
  ['http://255.255.255.255/', 'broadcast'],
  // IPv6
  ['http://[::1]/', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
  ['http://[::]/', 'unspecified'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'loopback'],
  ['http://[::ffff:169.254.169.254]/', 'metadata'],
  ['http://[::ffff:a9fe:a9fe]/', 'metadata'],
  ['http://[::127.0.0.1]/', 'loopback'],
  ['http://[::a9fe:a9fe]/', 'metadata'],
  ['http://[::ffff:0:7f00:1]/', 'loopback'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'metadata'],
  ['http://[64:ff9b:1::7f00:1]/', 'nat64_local'],
  ['http://[2002:a9fe:a9fe::]/', 'metadata'],
  ['http://[2001:0:1::1]/', 'teredo'],
  ['http://[fe80::1]/', 'link_local'],
  ['http://[fec0::1]/', 'site_local'],
  ['http://[fc00::1]/', 'unique_local'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://[100::1]/', 'discard'],
  ['http://[2001:db8::1]/', 'documentation'],
  ['http://[3fff::1]/', 'documentation'],
  ['http://[5f00::1]/', 'srv6_sid'],
  // Names, through the fake resolver (rebinding is proved against a server in guarded-fetch.test.ts)
  ['http://localhost/', 'localhost'],
  ['http://localhost./', 'localhost'],
  ['http://loopback.test/', 'loopback'],
  ['http://mixed.test/', 'private'],
  ['http://dual.test/', 'loopback'],
  ['http://nxdomain.test/', 'dns_failed'],
  // URL confusion
  ['http://A.com@127.0.0.1/', 'userinfo'],
  ['http://127.1.1.1:80#@127.2.2.2:80', 'loopback'],
  ['http://127.1.1.1:80@@127.2.2.2:80', 'userinfo'],
  ['http://localhost:+11211aaa', 'invalid_url'],
  // Schemes
  ['file:///etc/passwd', 'unsupported_scheme'],
  ['gopher://x/', 'unsupported_scheme'],
  ['ftp://x/', 'unsupported_scheme'],
  ['data:text/plain,x', 'unsupported_scheme'],
];

const sendCodes: Record<string, string> = {
  dns_failed: 'egress_dns_failed',
  userinfo: 'egress_invalid_url',
  invalid_url: 'egress_invalid_url',
  unsupported_scheme: 'egress_invalid_url',
};

/** The same vector with a port and a path, where the URL has a plain host to put them on. */
function withPortAndPath(url: string): string | null {
  const match = /^http:\/\/([^/@#:]+|\[[^\]]+\])\/$/.exec(url);
  return match ? `http://${match[1]}:8080/a/b?c=d` : null;
}

describe('egress vectors are refused at save', () => {
  it.each(blocked)('%s → %s', async (url, reason) => {
    const verdict = await checkUrl(url, { resolver: resolver() });
    expect(verdict).toMatchObject({ allowed: false, reason });
  });

  it.each(
    blocked.flatMap(([url, reason]) => {
      const v = withPortAndPath(url);
      return v ? [[v, reason]] : [];
    }),
  )('%s → %s', async (url, reason) => {
    expect(await checkUrl(url, { resolver: resolver() })).toMatchObject({ allowed: false, reason });
  });

  it('a literal address never asks the resolver', async () => {
    const fake = resolver();
    for (const [url] of blocked.filter(([u]) => !/localhost|\.test/.test(u))) await checkUrl(url, { resolver: fake });
    expect(fake.calls).toEqual([]);
  });
});

describe('egress vectors are refused at send, before any connection', () => {
  it.each(blocked)('%s → %s', async (url, reason) => {
    const { transport, opened } = watchedTransport();
    const err = await guardedFetch(url, {}, { resolver: resolver(), transport }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'EgressError', code: sendCodes[reason] ?? 'egress_blocked', details: { reason } });
    expect(opened).toEqual([]);
  });
});

describe('must be allowed (checked only; nothing connects)', () => {
  it.each([
    ['http://8.8.8.8/', ['8.8.8.8']],
    ['http://[2606:4700::1111]/', ['2606:4700::1111']],
    ['https://public.test/path', [publicV4, publicV6]],
  ])('%s', async (url, addresses) => {
    expect(await checkUrl(url, { resolver: resolver() })).toMatchObject({ allowed: true, addresses });
  });
});
