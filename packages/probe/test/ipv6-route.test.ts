import { describe, expect, it } from 'vitest';
import { hasDefaultIpv6Route, machineHasIpv6Route } from '@mxv/probe';

// Pure: tables as /proc/net/ipv6_route prints them; nothing here sends a packet.

const Z = '0'.repeat(32);
const route = (dest: string, prefix: string, nextHop: string, metric: string, flags: string, device: string): string =>
  `${dest} ${prefix} ${Z} 00 ${nextHop} ${metric} 00000001 00000000 ${flags} ${device.padStart(8)}`;

/** A machine with IPv6: link-local and ULA routes, a default route via a gateway on eth0, the kernel's reject route on lo. */
const WITH_IPV6 = [
  route('fd000000000000000000000000000000', '40', Z, '00000100', '00000001', 'eth0'),
  route('fe800000000000000000000000000000', '40', Z, '00000100', '00000001', 'eth0'),
  route(Z, '00', 'fd000000000000000000000000000001', '00000400', '00000003', 'eth0'),
  route('00000000000000000000000000000001', '80', Z, '00000000', '80200001', 'lo'),
  route(Z, '00', Z, 'ffffffff', '00200200', 'lo'),
].join('\n');

/** A container without IPv6 egress (Docker's default bridge): link-local only, and the reject route. */
const WITHOUT_IPV6 = [
  route('fe800000000000000000000000000000', '40', Z, '00000100', '00000001', 'eth0'),
  route('00000000000000000000000000000001', '80', Z, '00000000', '80200001', 'lo'),
  route(Z, '00', Z, 'ffffffff', '00200200', 'lo'),
].join('\n');

describe('hasDefaultIpv6Route', () => {
  it('a default route that is up, not a reject route, not on lo: yes', () => {
    expect(hasDefaultIpv6Route(WITH_IPV6)).toBe(true);
  });

  it('link-local routes and the kernel reject route alone: no', () => {
    expect(hasDefaultIpv6Route(WITHOUT_IPV6)).toBe(false);
    expect(hasDefaultIpv6Route('')).toBe(false);
  });

  it('a default route that is down, or a reject route on a real device: no', () => {
    expect(hasDefaultIpv6Route(route(Z, '00', Z, '00000400', '00000002', 'eth0'))).toBe(false);
    expect(hasDefaultIpv6Route(route(Z, '00', Z, '00000400', '00000201', 'eth0'))).toBe(false);
  });

  it('a route to ::/0 only counts with prefix length 0; lines it cannot read count for nothing', () => {
    expect(hasDefaultIpv6Route(route(Z, '40', Z, '00000400', '00000001', 'eth0'))).toBe(false);
    expect(hasDefaultIpv6Route(`${Z} 00 garbage\nnot a route table\n${'\u0000'.repeat(100)}`)).toBe(false);
    expect(hasDefaultIpv6Route(route(Z, '00', Z, '00000400', 'zzzzzzzz', 'eth0'))).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('machineHasIpv6Route on Linux', () => {
  it('reads /proc/net/ipv6_route; no table at all means IPv6 is off', () => {
    expect(machineHasIpv6Route(() => WITH_IPV6)).toBe(true);
    expect(machineHasIpv6Route(() => WITHOUT_IPV6)).toBe(false);
    expect(
      machineHasIpv6Route(() => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      }),
    ).toBe(false);
  });
});
