import { describe, expect, it } from 'vitest';
import { networkGroup, politenessGroups, providerGroup } from '@mxv/probe';

describe('providerGroup: the registrable domain of the exchange name (Public Suffix List)', () => {
  it.each([
    // One operator's many exchange names are one group.
    ['aspmx.l.google.com', 'google.com'],
    ['alt1.aspmx.l.google.com', 'google.com'],
    ['ALT4.ASPMX.L.GOOGLE.COM.', 'google.com'],
    ['example-com.mail.protection.outlook.com', 'outlook.com'],
    // Multi-label public suffixes: the group is one label below the suffix, not the suffix.
    ['mx.example.co.uk', 'example.co.uk'],
    ['mx1.mail.example.co.uk', 'example.co.uk'],
    ['smtp.example.com.au', 'example.com.au'],
    ['mx.example.co.uk', 'example.co.uk'],
    // IDN: the U-label and its punycode spelling are one group, named by the A-label.
    ['mail.пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['mail.xn--e1afmkfd.xn--p1ai', 'xn--e1afmkfd.xn--p1ai'],
    ['mx.bücher.example', 'xn--bcher-kva.example'],
    // A private suffix (a hosting platform's) makes each customer its own group.
    ['mx.customer.herokuapp.com', 'customer.herokuapp.com'],
    // Test TLDs: the PSL's default rule makes the last label the suffix.
    ['p1.provider.test', 'provider.test'],
  ])('%s -> %s', async (exchange, group) => {
    expect(await providerGroup(exchange)).toBe(group);
  });

  it.each([
    // Address literals name no provider: such a connection has address and network limits only.
    ['192.0.2.1'],
    ['[192.0.2.1]'],
    ['2001:db8::1'],
    ['[IPv6:2001:db8::1]'],
    // No registrable domain: a bare public suffix, a single label, nothing.
    ['co.uk'],
    ['com'],
    ['localhost'],
    [''],
    ['.'],
  ])('%s -> no provider group', async (exchange) => {
    expect(await providerGroup(exchange)).toBeNull();
  });
});

describe('networkGroup: the /24 of an IPv4 address, the /48 of an IPv6 one', () => {
  it.each([
    ['198.51.100.7', '198.51.100.0/24'],
    ['198.51.100.255', '198.51.100.0/24'],
    ['198.51.101.7', '198.51.101.0/24'],
    ['127.42.1.2', '127.42.1.0/24'],
    // IPv4-mapped IPv6 reaches the IPv4 host: grouped with it.
    ['::ffff:198.51.100.7', '198.51.100.0/24'],
    ['::ffff:c633:6407', '198.51.100.0/24'],
    ['2001:db8:1:2::5', '2001:db8:1::/48'],
    ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', '2001:db8:1::/48'],
    ['2001:db8:2::5', '2001:db8:2::/48'],
    ['2001:0DB8:0001:0000::1', '2001:db8:1::/48'],
    ['::1', '::/48'],
    ['fe80::1%eth0', 'fe80::/48'],
  ])('%s -> %s', (ip, group) => {
    expect(networkGroup(ip)).toBe(group);
  });

  it.each([['not-an-ip'], ['1.2.3'], ['256.1.1.1'], ['']])('%s -> null', (ip) => {
    expect(networkGroup(ip)).toBeNull();
  });

  it('puts two addresses of one /24 together and the next /24 apart', () => {
    expect(networkGroup('203.0.113.1')).toBe(networkGroup('203.0.113.254'));
    expect(networkGroup('203.0.113.1')).not.toBe(networkGroup('203.0.114.1'));
  });
});

describe('politenessGroups', () => {
  it('combines both for one connection', async () => {
    expect(await politenessGroups({ ip: '142.250.1.27', exchange: 'alt1.aspmx.l.google.com' })).toEqual({
      provider: 'google.com',
      network: '142.250.1.0/24',
    });
    expect(await politenessGroups({ ip: '2001:db8:7:1::25', exchange: '[IPv6:2001:db8:7:1::25]' })).toEqual({
      provider: null,
      network: '2001:db8:7::/48',
    });
  });
});
