import { describe, expect, it } from 'vitest';
import { guardOffFamilies } from '../src/address-policy.js';

describe('guardOffFamilies: --allow-net that turns the address guard off', () => {
  const cases: Array<[string[], string[]]> = [
    [[], []],
    [['127.0.0.0/8', '10.0.0.0/8', 'fd00::/8'], []],
    [['0.0.0.0/0'], ['IPv4']],
    [['192.0.2.1/0'], ['IPv4']],
    [['::/0'], ['IPv6']],
    [['::ffff:0:0/96'], ['IPv4']],
    [['0.0.0.0/1'], []],
    [['0.0.0.0/1', '128.0.0.0/1'], ['IPv4']],
    [['128.0.0.0/1', '0.0.0.0/2', '64.0.0.0/2'], ['IPv4']],
    [['0.0.0.0/1', '128.0.0.0/2'], []],
    [
      ['::/1', '8000::/1', '0.0.0.0/0'],
      ['IPv4', 'IPv6'],
    ],
    // A ::/96 (IPv4-compatible) entry is an IPv6 range, not all of IPv4.
    [['::/96'], []],
    [['not an address', '0.0.0.0/0'], ['IPv4']],
  ];
  it.each(cases)('%j → %j', (allowNet, families) => {
    expect(guardOffFamilies(allowNet)).toEqual(families);
  });
});
