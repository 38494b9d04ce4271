import { describe, expect, it } from 'vitest';
import { NO_IPV6_WORDS, noIpv6Warning } from '../src/options/no-ipv6-warning.js';

describe('noIpv6Warning', () => {
  it('warns when IPv6 is probed on a machine without an IPv6 route', () => {
    expect(noIpv6Warning(undefined, () => false)).toBe(NO_IPV6_WORDS);
    expect(noIpv6Warning([4, 6], () => false)).toBe(NO_IPV6_WORDS);
    expect(NO_IPV6_WORDS).toContain('--ip-families 4');
  });

  it('says nothing when IPv6 is not probed, when there is a route, or when it cannot tell', () => {
    expect(noIpv6Warning([4], () => false)).toBeNull();
    expect(noIpv6Warning([4, 6], () => true)).toBeNull();
    expect(noIpv6Warning([4, 6], () => null)).toBeNull();
  });
});
