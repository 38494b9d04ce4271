import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  blockedAddressError,
  createAddressPolicy,
  IP_FAMILY_NOT_PROBED,
  OWN_ADDRESS,
  systemOwnAddresses,
  type AddressPolicy,
} from '@mxv/probe';

// Pure computation: nothing in this file opens a socket.

// No own addresses unless a test gives some: this machine's own would make the properties below depend on where they run.
function policy(allowNet: string[] = [], ownAddresses: readonly string[] = []): AddressPolicy {
  const setup = createAddressPolicy(allowNet, { ownAddresses: () => ownAddresses });
  if (setup.status !== 'ok') throw new Error(`bad allowNet in test: ${setup.reason}`);
  return setup.policy;
}

const byDefault = policy();

describe('default policy: table', () => {
  it.each([
    ['0.0.0.0', 'this-network 0.0.0.0/8'],
    ['0.1.2.3', 'this-network 0.0.0.0/8'],
    ['10.1.2.3', 'private-use 10.0.0.0/8'],
    ['100.64.0.1', 'shared-address-space 100.64.0.0/10'],
    ['100.127.255.255', 'shared-address-space 100.64.0.0/10'],
    ['127.0.0.1', 'loopback 127.0.0.0/8'],
    ['127.255.255.254', 'loopback 127.0.0.0/8'],
    ['169.254.169.254', 'link-local 169.254.0.0/16'],
    ['172.16.0.1', 'private-use 172.16.0.0/12'],
    ['172.31.255.255', 'private-use 172.16.0.0/12'],
    ['192.0.0.8', 'ietf-protocol-assignments 192.0.0.0/24'],
    ['192.0.2.1', 'documentation 192.0.2.0/24'],
    ['192.31.196.1', 'as112 192.31.196.0/24'],
    ['192.52.193.1', 'amt 192.52.193.0/24'],
    ['192.88.99.1', '6to4-relay-anycast 192.88.99.0/24'],
    ['192.168.1.1', 'private-use 192.168.0.0/16'],
    ['192.175.48.1', 'as112 192.175.48.0/24'],
    ['198.18.0.1', 'benchmarking 198.18.0.0/15'],
    ['198.19.255.255', 'benchmarking 198.18.0.0/15'],
    ['198.51.100.7', 'documentation 198.51.100.0/24'],
    ['203.0.113.9', 'documentation 203.0.113.0/24'],
    ['224.0.0.1', 'multicast 224.0.0.0/4'],
    ['239.255.255.255', 'multicast 224.0.0.0/4'],
    ['240.0.0.1', 'reserved 240.0.0.0/4'],
    ['255.255.255.255', 'limited-broadcast 255.255.255.255/32'],
    ['::', 'unspecified ::/128'],
    ['::1', 'loopback ::1/128'],
    ['0:0:0:0:0:0:0:1', 'loopback ::1/128'],
    ['::7f00:1', 'ipv4-compatible ::/96'],
    ['::8.8.8.8', 'ipv4-compatible ::/96'], // not the mapped ::ffff:8.8.8.8 (ipaddr.js alone confuses the two)
    ['::127.0.0.1', 'ipv4-compatible ::/96'],
    ['2001:db8::192.0.2.1', 'documentation 2001:db8::/32'],
    ['fe80::1.2.3.4%eth0', 'link-local fe80::/10'],
    ['::ffff:127.0.0.1', 'loopback 127.0.0.0/8'],
    ['::ffff:7f00:1', 'loopback 127.0.0.0/8'],
    ['::ffff:10.0.0.1', 'private-use 10.0.0.0/8'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local 169.254.0.0/16'],
    ['64:ff9b::127.0.0.1', 'nat64 64:ff9b::/96 embedding loopback 127.0.0.0/8'],
    ['64:ff9b::a00:1', 'nat64 64:ff9b::/96 embedding private-use 10.0.0.0/8'],
    ['64:ff9b:1::808:808', 'nat64-local-use 64:ff9b:1::/48'],
    ['100::1', 'discard-only 100::/64'],
    ['2001::1', 'ietf-protocol-assignments 2001::/23'], // Teredo
    ['2001:1ff:ffff::1', 'ietf-protocol-assignments 2001::/23'],
    ['2001:db8::1', 'documentation 2001:db8::/32'],
    ['2002:c000:0201::1', '6to4 2002::/16'],
    ['2002:0808:0808::1', '6to4 2002::/16'], // blocked whole, even with a global IPv4 inside
    ['3fff::1', 'documentation 3fff::/20'],
    ['5f00::1', 'srv6-sids 5f00::/16'],
    ['fc00::1', 'unique-local fc00::/7'],
    ['fd12:3456::1', 'unique-local fc00::/7'],
    ['fe80::1', 'link-local fe80::/10'],
    ['fe80::1%eth0', 'link-local fe80::/10'],
    ['fec0::1', 'site-local fec0::/10'],
    ['ff02::1', 'multicast ff00::/8'],
    ['1000::1', 'not-global-unicast outside 2000::/3'],
    ['4000::1', 'not-global-unicast outside 2000::/3'],
    ['::ffff:0:0:1', 'not-global-unicast outside 2000::/3'], // IPv4-translated (RFC 2765 ::ffff:0:a.b.c.d), not a mapped address
  ])('%s is blocked as %s', (ip, range) => {
    expect(byDefault.check(ip)).toEqual({ status: 'blocked', range });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '192.0.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '64:ff9b::101:101',
    '2001:200::1',
    '2001:4860:4860::8888',
    '2a00:1450:4001:80b::200e',
    '3ffe::1',
    '3fff:1000::1',
    '2a00:1450::8.8.8.8',
  ])('%s is allowed', (ip) => {
    expect(byDefault.check(ip)).toEqual({ status: 'allowed' });
  });

  it.each([
    '',
    ' ',
    'localhost',
    'example.test',
    '127.1',
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    '127.000.000.001',
    '1.2.3.4.5',
    '256.1.1.1',
    '::ffff:0x7f.1',
    '[::1]',
    '::1/128',
    ' 8.8.8.8',
    'gggg::1',
  ])('%j is unparsable, so blocked', (ip) => {
    expect(byDefault.check(ip)).toEqual({ status: 'blocked', range: 'unparsable' });
  });
});

describe('allowNet', () => {
  it('lets listed ranges through, and only those', () => {
    const lab = policy(['127.0.0.0/8', '::1', '10.20.0.0/16', 'fd00::/8']);
    expect(lab.check('127.0.0.1')).toEqual({ status: 'allowed' });
    expect(lab.check('127.53.0.9')).toEqual({ status: 'allowed' });
    expect(lab.check('::ffff:127.0.0.1')).toEqual({ status: 'allowed' });
    expect(lab.check('::1')).toEqual({ status: 'allowed' });
    expect(lab.check('10.20.3.4')).toEqual({ status: 'allowed' });
    expect(lab.check('fd00::25')).toEqual({ status: 'allowed' });
    expect(lab.check('10.21.0.1')).toEqual({ status: 'blocked', range: 'private-use 10.0.0.0/8' });
    expect(lab.check('192.168.0.1')).toEqual({ status: 'blocked', range: 'private-use 192.168.0.0/16' });
    expect(lab.check('fc00::1')).toEqual({ status: 'blocked', range: 'unique-local fc00::/7' });
    expect(lab.check('::2')).toEqual({ status: 'blocked', range: 'ipv4-compatible ::/96' });
    expect(lab.check('0x7f000001')).toEqual({ status: 'blocked', range: 'unparsable' });
  });

  it('covers an embedded IPv4 address (NAT64, IPv4-compatible, 6to4) with an IPv4 entry', () => {
    const lab = policy(['127.0.0.0/8']);
    expect(lab.check('64:ff9b::7f00:1')).toEqual({ status: 'allowed' });
    expect(lab.check('::127.0.0.1')).toEqual({ status: 'allowed' });
    expect(lab.check('2002:7f00:1::1')).toEqual({ status: 'allowed' });
    expect(lab.check('64:ff9b::a00:1')).toEqual({
      status: 'blocked',
      range: 'nat64 64:ff9b::/96 embedding private-use 10.0.0.0/8',
    });
  });

  it('reads a bare address as /32 or /128 and a mapped range as its IPv4 range', () => {
    const single = policy(['192.168.1.10', '::ffff:10.9.0.0/112']);
    expect(single.check('192.168.1.10')).toEqual({ status: 'allowed' });
    expect(single.check('192.168.1.11')).toEqual({ status: 'blocked', range: 'private-use 192.168.0.0/16' });
    expect(single.check('10.9.200.1')).toEqual({ status: 'allowed' });
    expect(single.check('10.10.0.1')).toEqual({ status: 'blocked', range: 'private-use 10.0.0.0/8' });
  });

  it.each([
    ['', /empty/],
    ['localhost', /not an IPv4 or IPv6 address/],
    ['127.0.0.0/33', /prefix length "33"/],
    ['::1/129', /prefix length "129"/],
    ['10.0.0.0/', /prefix length ""/],
    ['10.0.0.0/8/8', /not an IPv4 or IPv6 address/],
    ['10.0.0.0/x', /prefix length "x"/],
    ['10/8', /not an IPv4 or IPv6 address/],
  ])('rejects %j', (entry, reason) => {
    const setup = createAddressPolicy(['127.0.0.0/8', entry]);
    expect(setup.status).toBe('invalid');
    if (setup.status === 'invalid') {
      expect(setup.entry).toBe(entry);
      expect(setup.reason).toMatch(reason);
    }
  });
});

// ----- properties ------------------------------------------------------------

/** The blocked ranges, written out independently of the implementation's table. */
const BLOCKED_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];
const BLOCKED_V6 = [
  '::/128',
  '::1/128',
  '::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];

function inside(cidr: string, random: Uint8Array): string {
  const [network, prefix] = ipaddr.parseCIDR(cidr);
  const bytes = network.toByteArray();
  const out = bytes.map((byte, i) => {
    const networkBits = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = (0xff << (8 - networkBits)) & 0xff;
    return (byte & mask) | ((random[i] ?? 0) & ~mask & 0xff);
  });
  return ipaddr.fromByteArray(out).toString();
}

function inAny(ip: string, cidrs: readonly string[]): boolean {
  const address = ipaddr.parse(ip);
  return cidrs.some((cidr) => {
    const [network, prefix] = ipaddr.parseCIDR(cidr);
    return address.kind() === network.kind() && address.match(network, prefix);
  });
}

/** The same IPv6 address with its last 32 bits written as a dotted quad (RFC 4291 2.2 form 3). */
function dottedTail(ip: string): string {
  const bytes = ipaddr.parse(ip).toByteArray();
  const groups = [0, 2, 4, 6, 8, 10].map((i) => (((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return `${groups.join(':')}:${bytes.slice(12).join('.')}`;
}

const randomBytes = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('default policy: properties', () => {
  it.each(BLOCKED_V4)('random addresses in %s are blocked (also IPv4-mapped), and allowed once it is in allowNet', (cidr) => {
    const allowed = policy([cidr]);
    fc.assert(
      fc.property(randomBytes, (random) => {
        const ip = inside(cidr, random);
        expect(byDefault.check(ip).status).toBe('blocked');
        expect(byDefault.check(`::ffff:${ip}`).status).toBe('blocked');
        expect(allowed.check(ip)).toEqual({ status: 'allowed' });
        expect(allowed.check(`::ffff:${ip}`)).toEqual({ status: 'allowed' });
      }),
      { numRuns: 200 },
    );
  });

  it.each(BLOCKED_V6)('random addresses in %s are blocked, and allowed once it is in allowNet', (cidr) => {
    const allowed = policy([cidr]);
    fc.assert(
      fc.property(randomBytes, (random) => {
        const ip = inside(cidr, random);
        expect(byDefault.check(ip).status).toBe('blocked');
        expect(byDefault.check(ipaddr.parse(ip).toNormalizedString()).status).toBe('blocked');
        expect(byDefault.check(dottedTail(ip))).toEqual(byDefault.check(ip));
        expect(allowed.check(ip)).toEqual({ status: 'allowed' });
        expect(allowed.check(dottedTail(ip))).toEqual({ status: 'allowed' });
      }),
      { numRuns: 200 },
    );
  });

  it('judges 64:ff9b::/96 by the IPv4 address it embeds', () => {
    fc.assert(
      fc.property(randomBytes, fc.constantFrom(...BLOCKED_V4), (random, cidr) => {
        const inner = inside(cidr, random);
        const nat64 = `64:ff9b::${inner}`;
        expect(byDefault.check(nat64).status).toBe('blocked');
        expect(policy([cidr]).check(nat64)).toEqual({ status: 'allowed' });
        expect(policy(['64:ff9b::/96']).check(nat64)).toEqual({ status: 'allowed' });
      }),
    );
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !inAny(ip, [...BLOCKED_V4, '255.255.255.255/32'])),
        (ip) => {
          expect(byDefault.check(`64:ff9b::${ip}`)).toEqual({ status: 'allowed' });
        },
      ),
    );
  });

  it('allows random global unicast addresses outside every blocked range', () => {
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !inAny(ip, BLOCKED_V4)),
        (ip) => {
          expect(byDefault.check(ip)).toEqual({ status: 'allowed' });
          expect(byDefault.check(`::ffff:${ip}`)).toEqual({ status: 'allowed' });
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        randomBytes.map((random) => inside('2000::/3', random)).filter((ip) => !inAny(ip, BLOCKED_V6)),
        (ip) => {
          expect(byDefault.check(ip)).toEqual({ status: 'allowed' });
          expect(byDefault.check(dottedTail(ip))).toEqual({ status: 'allowed' });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('blocks everything outside 2000::/3 that no other rule allows', () => {
    fc.assert(
      fc.property(
        randomBytes
          .map((random) => ipaddr.fromByteArray([...random]).toString())
          .filter((ip) => !inAny(ip, ['2000::/3', '::ffff:0:0/96', '64:ff9b::/96'])),
        (ip) => {
          expect(byDefault.check(ip).status).toBe('blocked');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4Extended(), fc.ipV6(), fc.string({ unit: 'grapheme' })), (text) => {
        expect(['allowed', 'blocked']).toContain(byDefault.check(text).status);
      }),
      { numRuns: 2000 },
    );
  });
});

// The addresses below are only strings handed to the policy: no packet goes anywhere.
describe("this machine's own addresses", () => {
  const own = ['100.0.0.7', '2a00:1450:4001::7', '10.1.2.3', '127.0.0.1', 'not an address'];

  it('blocks an own public address in every textual form, with its own range name', () => {
    const self = policy([], own);
    for (const ip of ['100.0.0.7', '::ffff:100.0.0.7', '::ffff:6400:7', '64:ff9b::100.0.0.7', '64:ff9b::6400:7']) {
      expect(self.check(ip), ip).toEqual({ status: 'blocked', range: OWN_ADDRESS });
    }
    for (const ip of ['2a00:1450:4001::7', '2A00:1450:4001:0:0:0:0:7', '2a00:1450:4001:0000::0007']) {
      expect(self.check(ip), ip).toEqual({ status: 'blocked', range: OWN_ADDRESS });
    }
    expect(self.check('100.0.0.8')).toEqual({ status: 'allowed' });
    expect(self.check('2a00:1450:4001::8')).toEqual({ status: 'allowed' });
    // A zone id does not make it another address (isIP takes one on any IPv6 address).
    expect(self.check('2a00:1450:4001::7%eth0')).toEqual({ status: 'blocked', range: OWN_ADDRESS });
  });

  it('blocks the whole of a range the loopback interface holds (Linux answers every address of it)', () => {
    const self = policy([], ['127.0.0.1/8', '9.9.9.1/24', '::1/128']);
    expect(self.check('9.9.9.1')).toEqual({ status: 'blocked', range: OWN_ADDRESS });
    expect(self.check('9.9.9.77')).toEqual({ status: 'blocked', range: OWN_ADDRESS });
    expect(self.check('::ffff:9.9.9.200')).toEqual({ status: 'blocked', range: OWN_ADDRESS });
    expect(self.check('9.9.10.1')).toEqual({ status: 'allowed' });
    expect(self.check('127.0.0.2')).toEqual({ status: 'blocked', range: 'loopback 127.0.0.0/8' });
  });

  it('keeps the special-purpose range name of an own address that is in one', () => {
    const self = policy([], own);
    expect(self.check('10.1.2.3')).toEqual({ status: 'blocked', range: 'private-use 10.0.0.0/8' });
    expect(self.check('127.0.0.1')).toEqual({ status: 'blocked', range: 'loopback 127.0.0.0/8' });
  });

  it('lets an --allow-net entry that covers an own address through, as for any blocked range', () => {
    expect(policy(['100.0.0.7'], own).check('100.0.0.7')).toEqual({ status: 'allowed' });
    expect(policy(['100.0.0.0/24'], own).check('64:ff9b::100.0.0.7')).toEqual({ status: 'allowed' });
    expect(policy(['2a00:1450:4001::/48'], own).check('2a00:1450:4001::7')).toEqual({ status: 'allowed' });
    expect(policy(['10.0.0.0/8'], own).check('10.1.2.3')).toEqual({ status: 'allowed' });
  });

  it('lists the addresses again once the refresh interval has passed, and not before', () => {
    let listed = ['100.0.0.7'];
    let calls = 0;
    let now = 1_000;
    const setup = createAddressPolicy([], {
      ownAddresses: () => {
        calls += 1;
        return listed;
      },
      ownAddressRefreshMs: 30_000,
      now: () => now,
    });
    if (setup.status !== 'ok') throw new Error(setup.reason);
    expect(setup.policy.check('100.0.0.7').status).toBe('blocked');
    listed = ['100.0.0.9'];
    now += 29_999;
    expect(setup.policy.check('100.0.0.7').status).toBe('blocked');
    expect(setup.policy.check('8.8.4.4').status).toBe('allowed');
    expect(calls).toBe(1);
    now += 1;
    expect(setup.policy.check('100.0.0.7')).toEqual({ status: 'allowed' });
    expect(setup.policy.check('100.0.0.9')).toEqual({ status: 'blocked', range: OWN_ADDRESS });
    expect(calls).toBe(2);
  });

  it('asks for no listing while building the policy (--trust-proxy only validates ranges with it)', () => {
    let calls = 0;
    createAddressPolicy(['10.0.0.0/8'], {
      ownAddresses: () => {
        calls += 1;
        return [];
      },
    });
    expect(calls).toBe(0);
  });

  it("lists this machine's interfaces as addresses, and the loopback interface's as ranges", () => {
    const addresses = systemOwnAddresses();
    expect(addresses).toContain('127.0.0.1/8');
    for (const entry of addresses) {
      const [address = '', prefix] = entry.split('/');
      expect(ipaddr.isValid(address.replace(/%.*$/, '')), entry).toBe(true);
      if (prefix !== undefined) expect(Number(prefix)).toBeLessThanOrEqual(128);
    }
  });

  it('names the host error of each kind of blocked range', () => {
    expect(blockedAddressError(OWN_ADDRESS)).toBe('own_address');
    expect(blockedAddressError(IP_FAMILY_NOT_PROBED)).toBe('ip_family_not_probed');
    expect(blockedAddressError('private-use 10.0.0.0/8')).toBe('blocked_address');
    expect(blockedAddressError('unparsable')).toBe('blocked_address');
  });
});
