import { describe, expect, it } from 'vitest';
import { classifyAddress, validateAllowCidr } from './classify-address.ts';
import { cidrWithin, parseCidr, parseIp } from './ip-address.ts';

describe('classifyAddress: range edges', () => {
  it.each([
    ['0.255.255.255', 'unspecified'],
    ['9.255.255.255', null],
    ['10.255.255.255', 'private'],
    ['11.0.0.0', null],
    ['100.63.255.255', null],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.0', null],
    ['126.255.255.255', null],
    ['127.255.255.255', 'loopback'],
    ['169.254.0.1', 'link_local'],
    ['169.254.169.123', 'link_local'],
    ['169.255.0.0', null],
    ['172.15.255.255', null],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', null],
    ['192.0.0.255', 'ietf_protocol'],
    ['192.0.1.0', null],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', 'reserved'],
    ['192.167.255.255', null],
    ['192.169.0.0', null],
    ['198.17.255.255', null],
    ['198.19.255.255', 'benchmarking'],
    ['198.20.0.0', null],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['223.255.255.255', null],
    ['239.255.255.255', 'multicast'],
    ['255.255.255.254', 'reserved'],
    ['168.63.129.16', 'metadata'],
    ['1.1.1.1', null],
    ['2606:4700::1111', null],
    ['2001:200::1', null],
    ['2001:1ff::1', 'ietf_protocol'],
    ['2001:db7:ffff::1', null],
    ['2003::1', null],
    ['3ffe:ffff::1', null],
    ['3fff:0fff::1', 'documentation'],
    ['3fff:1000::1', null],
    ['4000::1', 'reserved'],
    ['100:0:0:1::1', 'discard'],
    ['fd00:ec2::253', 'metadata'],
    ['fdff::1', 'unique_local'],
    ['febf::1', 'link_local'],
    ['fe80::a9fe:a9fe', 'link_local'],
    ['feff::1', 'site_local'],
    ['::2', 'unspecified'], // ::0.0.0.2 carries 0.0.0.2
    ['::ffff:8.8.8.8', 'ipv4_mapped'],
    ['::ffff:0:808:808', 'ipv4_translated'],
    ['::808:808', 'ipv4_compatible'],
    ['2002:808:808::1', 'six_to_four'],
    ['2002:a00:1::', 'private'],
    ['64:ff9b::808:808', null],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
  ])('%s → %s', (ip, reason) => {
    expect(classifyAddress(ip)).toEqual(reason === null ? { allowed: true } : expect.objectContaining({ allowed: false, reason }));
  });
});

describe('classifyAddress: an IPv6 form is judged by the IPv4 it carries', () => {
  // node's BlockList matches some of these spellings against IPv4 rules and not others; the
  // guard parses every form itself, so each spelling of one address must agree.
  it.each([
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0:0:0:0:0:ffff:7f00:1',
    '::FFFF:7F00:1',
    '::127.0.0.1',
    '::7f00:1',
    '::ffff:0:127.0.0.1',
    '64:ff9b::127.0.0.1',
    '2002:7f00:1::',
  ])('%s is loopback', (ip) => {
    expect(classifyAddress(ip)).toEqual({ allowed: false, reason: 'loopback', embedded: '127.0.0.1' });
  });

  it('no allowance reaches an embedded address, even one the admin allows in IPv4', () => {
    const allowCidrs = ['10.0.0.0/8', '127.0.0.0/8', '::/0', '::ffff:0:0/96'];
    expect(classifyAddress('10.0.0.1', { allowCidrs })).toEqual({ allowed: true });
    for (const ip of ['::ffff:10.0.0.1', '::10.0.0.1', '64:ff9b::10.0.0.1', '2002:a00:1::', '::ffff:127.0.0.1']) {
      expect(classifyAddress(ip, { allowCidrs })).toMatchObject({ allowed: false });
    }
  });
});

describe('classifyAddress: admin allowCidrs', () => {
  it('allows 10.0.0.1 when 10.0.0.0/8 is allowed, and only inside the CIDR', () => {
    expect(classifyAddress('10.0.0.1', { allowCidrs: ['10.0.0.0/8'] })).toEqual({ allowed: true });
    expect(classifyAddress('10.20.3.4', { allowCidrs: ['10.20.0.0/16'] })).toEqual({ allowed: true });
    expect(classifyAddress('10.21.0.1', { allowCidrs: ['10.20.0.0/16'] })).toEqual({ allowed: false, reason: 'private' });
    expect(classifyAddress('fd12:3456::1', { allowCidrs: ['fd12:3456::/32'] })).toEqual({ allowed: true });
  });

  it.each([['169.254.0.0/16'], ['0.0.0.0/0'], ['169.254.169.254/32'], ['128.0.0.0/1']])('never allows 169.254.169.254 with %s allowed', (cidr) => {
    expect(classifyAddress('169.254.169.254', { allowCidrs: [cidr] })).toEqual({ allowed: false, reason: 'metadata' });
  });

  it.each([
    ['169.254.170.2', '169.254.0.0/16', 'metadata'],
    ['169.254.1.1', '169.254.0.0/16', 'link_local'],
    ['100.100.100.200', '100.64.0.0/10', 'metadata'],
    ['fd00:ec2::254', 'fd00::/8', 'metadata'],
    ['fe80::1', 'fe80::/10', 'link_local'],
    ['0.0.0.0', '0.0.0.0/8', 'unspecified'],
    ['224.0.0.1', '224.0.0.0/4', 'multicast'],
    ['255.255.255.255', '255.255.255.255/32', 'broadcast'],
  ])('never allows %s, even with %s allowed', (ip, cidr, reason) => {
    expect(classifyAddress(ip, { allowCidrs: [cidr] })).toEqual({ allowed: false, reason });
  });

  it('a CIDR wider than one private range allows nothing: 0.0.0.0/0 is not a switch that turns the guard off', () => {
    for (const ip of ['10.0.0.1', '127.0.0.1', '192.168.1.1']) expect(classifyAddress(ip, { allowCidrs: ['0.0.0.0/0'] })).toMatchObject({ allowed: false });
    expect(classifyAddress('::1', { allowCidrs: ['::/0'] })).toMatchObject({ allowed: false, reason: 'loopback' });
    expect(classifyAddress('172.16.0.1', { allowCidrs: ['172.0.0.0/8'] })).toMatchObject({ allowed: false, reason: 'private' });
  });

  it('an entry that does not parse allows nothing', () => {
    expect(classifyAddress('10.0.0.1', { allowCidrs: ['10.0.0.0', '10.0.0.0/33', 'ten/8', ''] })).toMatchObject({ allowed: false, reason: 'private' });
  });
});

describe('classifyAddress: malformed and scoped input fails closed', () => {
  // A resolver answers text; anything but a canonical address is refused, not guessed at.
  it.each([
    '',
    '0177.0.0.1',
    '0x7f.0.0.1',
    '127.1',
    '2130706433',
    '1.2.3.4.5',
    '256.0.0.1',
    '[::1]',
    'localhost',
    ' 8.8.8.8',
    '8.8.8.8/32',
    '::1%',
    '8.8.8.8%eth0',
  ])('%j → invalid_address', (ip) => {
    expect(classifyAddress(ip)).toEqual({ allowed: false, reason: 'invalid_address' });
  });

  it('a zone index is refused: link-local keeps its reason, anything else is scoped', () => {
    expect(classifyAddress('fe80::1%eth0')).toEqual({ allowed: false, reason: 'link_local' });
    expect(classifyAddress('2606:4700::1111%eth0')).toEqual({ allowed: false, reason: 'scoped' });
    expect(classifyAddress('fd12::1%eth0', { allowCidrs: ['fd12::/16'] })).toEqual({ allowed: false, reason: 'unique_local' });
  });
});

describe('validateAllowCidr', () => {
  it.each(['10.20.0.0/16', '10.0.0.0/8', '172.16.5.0/24', '192.168.1.1/32', '100.64.0.0/10', '127.0.0.2/32', 'fd12:3456::/48', '::1/128'])(
    'accepts %s',
    (cidr) => {
      expect(validateAllowCidr(cidr)).toEqual({ valid: true });
    },
  );

  it.each(['0.0.0.0/0', '::/0', '169.254.0.0/16', '8.8.8.0/24', '172.0.0.0/8', 'fe80::/10', '::ffff:0:0/96', '10.0.0.0', 'nonsense'])(
    'refuses %s with a reason',
    (cidr) => {
      const result = validateAllowCidr(cidr);
      expect(result.valid).toBe(false);
      if (!result.valid) expect(result.problem).toContain(cidr);
    },
  );
});

describe('ip-address parsing', () => {
  it('every spelling of one address has one value', () => {
    const values = ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:0001', '::FFFF:7F00:1'].map((s) => parseIp(s)?.value);
    expect(new Set(values).size).toBe(1);
    expect(parseIp('1::')?.value).toBe(1n << 112n);
    expect(parseIp('::')?.value).toBe(0n);
    expect(parseIp('fe80::1%eth0')).toMatchObject({ family: 6, zone: 'eth0' });
  });

  it('CIDRs clear host bits and nest', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual(parseCidr('10.0.0.0/8'));
    expect(cidrWithin(parseCidr('10.20.0.0/16')!, parseCidr('10.0.0.0/8')!)).toBe(true);
    expect(cidrWithin(parseCidr('10.0.0.0/7')!, parseCidr('10.0.0.0/8')!)).toBe(false);
    expect(cidrWithin(parseCidr('::/0')!, parseCidr('10.0.0.0/8')!)).toBe(false);
    expect(parseCidr('fe80::1%eth0/64')).toBeNull();
  });
});
