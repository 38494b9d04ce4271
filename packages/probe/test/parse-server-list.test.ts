import { describe, expect, it, vi } from 'vitest';
import { parseDnsServer, parseDnsServerList, systemDnsServers } from '@mxv/probe';

// The system configuration is replaced: reading the real resolv.conf would make the test depend on the machine.
const systemConfig = vi.hoisted(() => ({ servers: [] as string[] }));
vi.mock('node:dns', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:dns')>()),
  getServers: () => systemConfig.servers,
}));

describe('parseDnsServer', () => {
  it.each([
    ['192.0.2.53', '192.0.2.53', 53],
    [' 192.0.2.53 ', '192.0.2.53', 53],
    ['127.0.0.1:5353', '127.0.0.1', 5353],
    ['[2001:db8::53]:5353', '2001:db8::53', 5353],
    ['[::1]', '::1', 53],
    ['::1', '::1', 53],
    ['2001:db8::53', '2001:db8::53', 53],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1', 53],
    ['127.0.0.1:1', '127.0.0.1', 1],
    ['127.0.0.1:65535', '127.0.0.1', 65535],
  ])('%j → %s port %i', (input, host, port) => {
    expect(parseDnsServer(input)).toEqual({ status: 'ok', server: { host, port } });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['dns.example.test', /not an IPv4 or IPv6 address/],
    ['dns.example.test:53', /not an IPv4 or IPv6 address/],
    ['127.0.0.1:', /port/],
    ['127.0.0.1:0', /port 0/],
    ['127.0.0.1:65536', /port 65536/],
    ['127.0.0.1:53x', /port/],
    ['127.0.0.1:-1', /port/],
    ['127.0.0.1:+53', /port/],
    ['[127.0.0.1]:53', /not an IPv6 address/],
    ['[::1', /expected/],
    ['[::1]53', /expected/],
    ['[::1]:', /port/],
    ['2001:db8::53:5353:1:2:3:4', /IPv6/],
    ['1.2.3', /not an IPv4 or IPv6 address/],
    ['01.2.3.4', /not an IPv4 or IPv6 address/],
    ['0x7f000001', /not an IPv4 or IPv6 address/],
  ])('%j is invalid', (input, reason) => {
    const parsed = parseDnsServer(input);
    expect(parsed.status).toBe('invalid');
    if (parsed.status === 'invalid') {
      expect(parsed.input).toBe(input);
      expect(parsed.reason).toMatch(reason);
    }
  });
});

describe('parseDnsServerList', () => {
  it('parses a comma-separated list in order', () => {
    expect(parseDnsServerList('127.0.0.1:5353, [::1]:53,192.0.2.1')).toEqual({
      status: 'ok',
      servers: [
        { host: '127.0.0.1', port: 5353 },
        { host: '::1', port: 53 },
        { host: '192.0.2.1', port: 53 },
      ],
    });
    expect(parseDnsServerList(['127.0.0.1', '127.0.0.2:54'])).toEqual({
      status: 'ok',
      servers: [
        { host: '127.0.0.1', port: 53 },
        { host: '127.0.0.2', port: 54 },
      ],
    });
  });

  it('names the first bad entry', () => {
    expect(parseDnsServerList('127.0.0.1,resolver.example.test,::1')).toMatchObject({
      status: 'invalid',
      input: 'resolver.example.test',
    });
    expect(parseDnsServerList('127.0.0.1,')).toMatchObject({ status: 'invalid', input: '' });
    expect(parseDnsServerList([])).toMatchObject({ status: 'invalid', reason: 'no resolver given' });
  });
});

describe('systemDnsServers', () => {
  it('turns the configured resolvers (getServers() strings) into addresses, skipping what it cannot use', () => {
    systemConfig.servers = ['127.0.0.53', '[::1]:5353', '192.0.2.1:5300', 'fe80::1%eth0', 'not-an-address'];
    expect(systemDnsServers()).toEqual([
      { host: '127.0.0.53', port: 53 },
      { host: '::1', port: 5353 },
      { host: '192.0.2.1', port: 5300 },
      { host: 'fe80::1%eth0', port: 53 },
    ]);
    systemConfig.servers = [];
    expect(systemDnsServers()).toEqual([]);
  });
});
