import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundValues,
  CHECK_NAMES,
  DANE_BOUNDS,
  DNS_BOUNDS,
  HELO_NAME,
  MAX_DNSBL_ZONES,
  parseProbeOptions,
  POLICY_BOUNDS,
  POLITENESS_BOUNDS,
  readProbeOptions,
  REPUTATION_BOUNDS,
  ROUTE_BOUNDS,
  SMTP_BOUNDS,
  type NumberBound,
  type ProbeOptionsInput,
} from '@mxv/probe';

const TABLES = {
  smtp: SMTP_BOUNDS,
  dns: DNS_BOUNDS,
  route: ROUTE_BOUNDS,
  politeness: POLITENESS_BOUNDS,
  dane: DANE_BOUNDS,
  policy: POLICY_BOUNDS,
  reputation: REPUTATION_BOUNDS,
} as const satisfies Record<string, Record<string, NumberBound>>;

function reasonOf(input: unknown): string {
  const read = readProbeOptions(input as ProbeOptionsInput);
  if (read.status === 'ok') throw new Error(`accepted: ${JSON.stringify(input)}`);
  return read.reason;
}

describe('readProbeOptions', () => {
  it('fills every default from the bounds tables', () => {
    const options = parseProbeOptions();
    for (const [section, table] of Object.entries(TABLES)) {
      for (const [key, bound] of Object.entries(table)) {
        expect((options as unknown as Record<string, Record<string, number>>)[section]?.[key], `${section}.${key}`).toBe(
          bound.default,
        );
      }
    }
    expect(options.smtp.heloName).toBe(HELO_NAME.default);
    expect(options).toMatchObject({ dnsServers: [], allowNet: [], dnsbl: [], proxy: null, checks: [...CHECK_NAMES] });
    expect(options.ports).toEqual([{ port: 25, tlsMode: 'starttls' }]);
  });

  it('derives the one port from smtp.port when no list is given (465: implicit TLS)', () => {
    expect(parseProbeOptions({ smtp: { port: 465 } }).ports).toEqual([{ port: 465, tlsMode: 'implicit' }]);
    expect(parseProbeOptions({ smtp: { port: 2525 } }).ports).toEqual([{ port: 2525, tlsMode: 'starttls' }]);
  });

  it('accepts every value at the edges of every bound, and refuses the values just outside them', () => {
    for (const [section, table] of Object.entries(TABLES)) {
      for (const [key, bound] of Object.entries(table) as [string, NumberBound][]) {
        const at = (value: number) => ({ [section]: { [key]: value } }) as ProbeOptionsInput;
        if (!bound.minExclusive) expect(readProbeOptions(at(bound.min)).status, `${section}.${key} min`).toBe('ok');
        expect(readProbeOptions(at(bound.max)).status, `${section}.${key} max`).toBe('ok');
        const step = bound.integer === false ? 1e-6 : 1;
        expect(reasonOf(at(bound.minExclusive ? bound.min : bound.min - step))).toContain(`${section}.${key}:`);
        expect(reasonOf(at(bound.max + step))).toContain(`${section}.${key}:`);
        if (bound.integer !== false) expect(reasonOf(at(bound.max - 0.5))).toContain('whole number');
      }
    }
  });

  it('refuses what is not a number where a number belongs, whatever it is', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.boolean(),
          fc.constant(null),
          fc.constant(Number.NaN),
          fc.constant(Infinity),
          fc.object(),
          fc.array(fc.integer()),
          // An object whose own toString is no function (String() of it throws): found by this property.
          fc.constant({ toString: [] }),
          fc.constant(Object.create(null) as object),
        ),
        (value) => {
          expect(reasonOf({ smtp: { hostBudgetMs: value } })).toMatch(
            /^smtp\.hostBudgetMs: expected a whole number from 100 to 600000, got /,
          );
        },
      ),
    );
  });

  it('names the option in every refusal and never echoes a long value whole', () => {
    expect(reasonOf({ smtp: { heloName: '' } })).toMatch(/^smtp\.heloName:/);
    for (const bad of ['bad name', 'x\r\nMAIL FROM:<a@b.test>', 'a_b.example', '-a.example', '[300.1.1.1]', 'a..b'])
      expect(reasonOf({ smtp: { heloName: bad } })).toMatch(/^smtp\.heloName: expected a domain or address literal/);
    for (const good of ['mx.example.com', 'localhost', '[192.0.2.1]', '[IPv6:2001:db8::1]'])
      expect(parseProbeOptions({ smtp: { heloName: good } }).smtp.heloName).toBe(good);
    expect(reasonOf({ smtp: { heloName: 'x'.repeat(HELO_NAME.maxChars + 1) } }).length).toBeLessThan(160);
    expect(reasonOf({ checks: ['dnssec', 'telnet'] })).toMatch(/^checks: unknown check "telnet"/);
    expect(reasonOf({ dnsServers: [1] })).toBe('dnsServers: expected a list of strings');
    expect(reasonOf({ allowNet: '127.0.0.0/8' })).toBe('allowNet: expected a list of strings');
    expect(reasonOf({ dnsbl: ['not a zone'] })).toMatch(/^dnsbl\.0: /);
    expect(reasonOf({ dnsbl: Array.from({ length: MAX_DNSBL_ZONES + 1 }, (_, i) => `z${i}.example`) })).toMatch(
      /^dnsbl: at most/,
    );
    expect(reasonOf({ proxy: 42 })).toMatch(/^proxy:/);
    expect(reasonOf({ smtp: 'fast' })).toBe('smtp: expected an object');
    expect(reasonOf({ dns: [2500] })).toBe('dns: expected an object');
    expect(reasonOf(null)).toBe('options: expected an object');
  });

  it('holds the port list to its rules: 1 to 8 ports, each once, no implicit TLS on 25', () => {
    expect(reasonOf({ ports: [] })).toMatch(/^ports: expected 1 to 8/);
    expect(
      reasonOf({
        ports: [
          { port: 25, tlsMode: 'starttls' },
          { port: 25, tlsMode: 'implicit' },
        ],
      }),
    ).toBe('ports: a port is listed twice');
    expect(reasonOf({ ports: [{ port: 25, tlsMode: 'implicit' }] })).toBe('ports: port 25 is STARTTLS only');
    expect(reasonOf({ ports: [{ port: 0, tlsMode: 'starttls' }] })).toMatch(/^ports\.0\.port:/);
    expect(reasonOf({ ports: [{ port: 587, tlsMode: 'ssl' }] })).toMatch(/^ports\.0\.tlsMode:/);
    expect(reasonOf({ ports: [null] })).toMatch(/^ports\.0\.port:/);
  });

  it('probes over IPv4 and IPv6 unless told one of them; nothing else is an IP version', () => {
    expect(parseProbeOptions().ipFamilies).toEqual([4, 6]);
    expect(parseProbeOptions({ ipFamilies: [6, 4, 6] }).ipFamilies).toEqual([4, 6]);
    expect(parseProbeOptions({ ipFamilies: [6] }).ipFamilies).toEqual([6]);
    for (const bad of [[], [5], ['4'], 4, null]) {
      const read = readProbeOptions({ ipFamilies: bad as never });
      expect(read.status, JSON.stringify(bad)).toBe('invalid');
      expect(read.status === 'invalid' && read.reason).toMatch(/^ipFamilies: expected one or both of 4, 6/);
    }
  });

  it("blocks this machine's own addresses only when asked, with a boolean", () => {
    expect(parseProbeOptions().blockOwnAddresses).toBe(false);
    expect(parseProbeOptions({ blockOwnAddresses: true }).blockOwnAddresses).toBe(true);
    for (const bad of ['true', 1, null]) {
      const read = readProbeOptions({ blockOwnAddresses: bad as never });
      expect(read.status === 'invalid' && read.reason).toMatch(/^blockOwnAddresses: expected true or false/);
    }
  });

  it('makes block-list zones canonical and each one once', () => {
    expect(parseProbeOptions({ dnsbl: ['BL.Example.', 'bl.example', 'other.example'] }).dnsbl).toEqual([
      'bl.example',
      'other.example',
    ]);
  });

  it('copies the lists it is given, so the caller changing theirs later changes nothing', () => {
    const servers = ['127.0.0.1'];
    const options = parseProbeOptions({ dnsServers: servers });
    servers.push('127.0.0.2');
    expect(options.dnsServers).toEqual(['127.0.0.1']);
  });
});

describe('boundValues', () => {
  it('is the table defaults with the given values checked, unknown keys dropped', () => {
    expect(boundValues(DNS_BOUNDS, { queryTimeoutMs: 300, nonsense: 1 } as never)).toEqual({
      ...Object.fromEntries(Object.entries(DNS_BOUNDS).map(([k, b]) => [k, b.default])),
      queryTimeoutMs: 300,
    });
    expect(() => boundValues(DNS_BOUNDS, { queryTimeoutMs: 1 })).toThrow(/queryTimeoutMs: expected/);
  });
});
