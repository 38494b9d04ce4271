import * as dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { decodeResponse } from '../src/dns/decode-response.js';
import type { DnsRecord } from '../src/dns/dns-types.js';

/**
 * The resolver's own decoder against dns-packet, the library it replaced on
 * this path: for every response dns-packet encodes, the header bits, the
 * question, the answer records (in the engine's shape), the full rcode and the
 * Extended DNS Error must read the same, whatever the authority and
 * additional sections hold.
 */

/** What the engine made of a dns-packet answer before (the reference for the answer section). */
function expectedRecord(answer: Answer): DnsRecord | null {
  const canonical = (name: string): string => name.toLowerCase().replace(/\.$/, '');
  if (answer.type === 'OPT') return null;
  const name = canonical(answer.name);
  const ttl = answer.ttl ?? 0;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return { type: answer.type, name, ttl, address: answer.data };
    case 'CNAME':
      return { type: 'CNAME', name, ttl, target: canonical(answer.data) };
    case 'PTR':
      return { type: 'PTR', name, ttl, target: canonical(answer.data) };
    case 'MX':
      return { type: 'MX', name, ttl, priority: answer.data.preference ?? 0, exchange: canonical(answer.data.exchange) };
    case 'TXT': {
      const parts = Array.isArray(answer.data) ? answer.data : [answer.data];
      // The strings joined as octets, then read: a character split across two strings is read whole.
      return { type: 'TXT', name, ttl, text: Buffer.concat(parts.map((part) => Buffer.from(part))).toString('utf8') };
    }
    case 'TLSA':
      return {
        type: 'TLSA',
        name,
        ttl,
        usage: answer.data.usage,
        selector: answer.data.selector,
        matchingType: answer.data.matchingType,
        data: answer.data.certificate.toString('hex'),
      };
    case 'SRV':
      return {
        type: 'SRV',
        name,
        ttl,
        priority: answer.data.priority ?? 0,
        weight: answer.data.weight ?? 0,
        port: answer.data.port,
        target: canonical(answer.data.target),
      };
    case 'SOA':
      return { type: 'SOA', name, ttl, primary: canonical(answer.data.mname) };
    default:
      return { type: 'OTHER', name, ttl, rrtype: answer.type };
  }
}

const label = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
const dnsName = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const ttl = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join('.'));
// Zero groups often, so that runs of zeros (and ties between runs) are exercised.
const ipv6 = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), u16), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.map((group) => group.toString(16)).join(':'));
const txtPart = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
);

const answerRecord: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ type: fc.constant('A' as const), name: dnsName, ttl, data: ipv4 }),
  fc.record({ type: fc.constant('AAAA' as const), name: dnsName, ttl, data: ipv6 }),
  fc.record({ type: fc.constant('CNAME' as const), name: dnsName, ttl, data: dnsName }),
  fc.record({ type: fc.constant('PTR' as const), name: dnsName, ttl, data: dnsName }),
  fc.record({
    type: fc.constant('MX' as const),
    name: dnsName,
    ttl,
    data: fc.record({ preference: u16, exchange: fc.oneof(dnsName, fc.constant('.')) }),
  }),
  fc.record({ type: fc.constant('TXT' as const), name: dnsName, ttl, data: fc.array(txtPart, { minLength: 1, maxLength: 4 }) }),
  fc.record({
    type: fc.constant('TLSA' as const),
    name: dnsName,
    ttl,
    data: fc.record({
      usage: fc.nat(255),
      selector: fc.nat(255),
      matchingType: fc.nat(255),
      certificate: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    }),
  }),
  fc.record({
    type: fc.constant('SRV' as const),
    name: dnsName,
    ttl,
    data: fc.record({ priority: u16, weight: u16, port: u16, target: dnsName }),
  }),
  fc.record({
    type: fc.constant('SOA' as const),
    name: dnsName,
    ttl,
    data: fc.record({
      mname: dnsName,
      rname: dnsName,
      serial: fc.nat(),
      refresh: fc.nat(),
      retry: fc.nat(),
      expire: fc.nat(),
      minimum: fc.nat(),
    }),
  }),
  signature(),
) as fc.Arbitrary<Answer>;

function signature(): fc.Arbitrary<Answer> {
  return fc.record({
    type: fc.constant('RRSIG' as const),
    name: dnsName,
    ttl,
    data: fc.record({
      typeCovered: fc.constantFrom('TXT', 'MX', 'SOA', 'NSEC3'),
      algorithm: fc.constant(13),
      labels: fc.nat(4),
      originalTTL: fc.nat(),
      expiration: fc.nat(),
      inception: fc.nat(),
      keyTag: u16,
      signersName: dnsName,
      signature: fc.uint8Array({ minLength: 1, maxLength: 96 }).map((bytes) => Buffer.from(bytes)),
    }),
  }) as fc.Arbitrary<Answer>;
}

const authorityRecord: fc.Arbitrary<Answer> = fc.oneof(
  signature(),
  fc.record({
    type: fc.constant('NSEC3' as const),
    name: dnsName,
    ttl,
    data: fc.record({
      algorithm: fc.constant(1),
      flags: fc.nat(1),
      iterations: fc.nat(10),
      salt: fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
      nextDomain: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => Buffer.from(bytes)),
      rrtypes: fc.constant<string[]>(['A', 'TXT', 'RRSIG']),
    }),
  }) as fc.Arbitrary<Answer>,
  answerRecord,
);

const edeOption = fc.record({
  code: fc.constantFrom(15, 10, 12),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    // INFO-CODEs around the DNSSEC ones (1, 2, 5-12), which are preferred when a resolver sends several.
    fc.record({ info: fc.nat(30), text: fc.string({ maxLength: 20 }) }).map(({ info, text }) => {
      const data = Buffer.alloc(2 + Buffer.byteLength(text));
      data.writeUInt16BE(info, 0);
      data.write(text, 2);
      return data;
    }),
  ),
});

const response: fc.Arbitrary<Packet> = fc.record({
  type: fc.constant('response' as const),
  id: u16,
  flags: fc
    .record({ tc: fc.boolean(), ad: fc.boolean(), rcode: fc.nat(15) })
    .map(({ tc, ad, rcode }) => (tc ? dnsPacket.TRUNCATED_RESPONSE : 0) | (ad ? dnsPacket.AUTHENTIC_DATA : 0) | rcode),
  questions: fc.array(
    fc.record({ type: fc.constantFrom('A', 'AAAA', 'MX', 'TXT', 'TLSA', 'SRV', 'PTR', 'CNAME'), name: dnsName }),
    { minLength: 0, maxLength: 2 },
  ),
  answers: fc.array(answerRecord, { maxLength: 6 }),
  authorities: fc.array(authorityRecord, { maxLength: 6 }),
  additionals: fc.option(
    fc
      .record({ extendedRcode: fc.nat(3), options: fc.array(edeOption, { maxLength: 3 }) })
      .map(({ extendedRcode, options }) => [
        { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode, flags: dnsPacket.DNSSEC_OK, options },
      ]),
    { nil: [] },
  ),
}) as fc.Arbitrary<Packet>;

/** The EDE options with an INFO-CODE, as RFC 8914 reads them: the first DNSSEC one (1, 2, 5-12), else the first. */
function expectedEde(packet: Packet): { code: number; text: string | null } | null {
  const opt = (packet.additionals ?? []).find((record) => record.type === 'OPT') as
    { options?: Array<{ code: number; data: Buffer }> } | undefined;
  const edes = (opt?.options ?? [])
    .filter((option) => option.code === 15 && option.data.length >= 2)
    .map((option) => {
      const text = option.data
        .subarray(2)
        .toString('utf8')
        .replace(/\t/g, ' ')
        // Nothing that acts on a terminal instead of showing: C0, DEL, C1, format characters, U+2028/2029.
        .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
        .slice(0, 256);
      return { code: option.data.readUInt16BE(0), text: text === '' ? null : text };
    });
  return edes.find((ede) => [1, 2, 5, 6, 7, 8, 9, 10, 11, 12].includes(ede.code)) ?? edes[0] ?? null;
}

describe('decodeResponse: the same reading as dns-packet', () => {
  it('header bits, question, answer records, full rcode and EDE, for any response dns-packet writes', () => {
    fc.assert(
      fc.property(response, (packet) => {
        const bytes = dnsPacket.encode(packet);
        const reference = dnsPacket.decode(bytes);
        const decoded = decodeResponse(bytes);
        expect(decoded).not.toBeNull();
        if (decoded === null) return;
        expect(decoded.id).toBe(reference.id);
        expect(decoded.isResponse).toBe(true);
        expect(decoded.truncated).toBe(reference.flag_tc);
        expect(decoded.authenticated).toBe(reference.flag_ad);
        const opt = (reference.additionals ?? []).find((record) => record.type === 'OPT') as
          { extendedRcode?: number } | undefined;
        expect(decoded.rcode).toBe(((opt?.extendedRcode ?? 0) << 4) | ((reference.flags ?? 0) & 0xf));
        expect(decoded.questions).toHaveLength(reference.questions?.length ?? 0);
        decoded.questions.forEach((question, i) => {
          const echoed = reference.questions?.[i];
          expect(question.name).toBe(echoed?.name.toLowerCase());
          expect(question.qclass).toBe(1);
        });
        // AAAA text is RFC 5952's (the longest run of zero groups is the one shortened, as inet_ntop and dig
        // write it); dns-packet shortens the first run, so its text is only the same address.
        const expected = (reference.answers ?? [])
          .map(expectedRecord)
          .filter((record) => record !== null)
          .map((record) =>
            record.type === 'AAAA' ? { ...record, address: ipaddr.IPv6.parse(record.address).toRFC5952String() } : record,
          );
        expect(decoded.records).toEqual(expected);
        expect(decoded.ede).toEqual(expectedEde(packet));
      }),
      { numRuns: 600 },
    );
  });

  it('a response cut short anywhere is no response (never a partial one), and never throws', () => {
    fc.assert(
      fc.property(response, fc.double({ min: 0, max: 1, noNaN: true }), (packet, where) => {
        const bytes = dnsPacket.encode(packet);
        const cut = Math.floor(where * bytes.length);
        if (cut >= bytes.length) return;
        const sections = (packet.answers?.length ?? 0) + (packet.authorities?.length ?? 0) + (packet.additionals?.length ?? 0);
        const decoded = decodeResponse(bytes.subarray(0, cut));
        if (sections > 0 || (packet.questions?.length ?? 0) > 0 || cut < 12) expect(decoded).toBeNull();
      }),
      { numRuns: 600 },
    );
  });

  it('never throws on bytes from anywhere, and bounds what it returns', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (raw) => {
        const decoded = decodeResponse(Buffer.from(raw));
        if (decoded === null) return;
        for (const record of decoded.records) expect(record.name.length).toBeLessThanOrEqual(254);
        expect(decoded.ede?.text?.length ?? 0).toBeLessThanOrEqual(256);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Wire bytes written by hand, for what dns-packet never writes: compression, and malformed records. */
function wire(...parts: Array<number[] | string>): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));
}
const u16b = (value: number): number[] => [value >> 8, value & 0xff];
/** Header: id 0x1234, QR RD RA, AD, and the section counts. */
const header = (qd: number, an: number, ns = 0, ar = 0): number[] => [
  0x12,
  0x34,
  0x81,
  0xa0,
  ...u16b(qd),
  ...u16b(an),
  ...u16b(ns),
  ...u16b(ar),
];
/** "Mx.Test." at offset 12, then type MX, class IN: the question real servers point back to. */
const QUESTION = [2, ...Buffer.from('Mx'), 4, ...Buffer.from('Test'), 0, ...u16b(15), ...u16b(1)];
const POINTER_TO_QUESTION = [0xc0, 12];
const rr = (name: number[], type: number, data: number[]): number[] => [
  ...name,
  ...u16b(type),
  ...u16b(1),
  0,
  0,
  0x0e,
  0x10,
  ...u16b(data.length),
  ...data,
];

describe('decodeResponse: several Extended DNS Errors (RFC 8914 allows them)', () => {
  /** A SERVFAIL whose OPT record (appended by hand: dns-packet's types know no EDE option) carries these EDEs. */
  const withEdes = (edes: Array<[number, string]>) => {
    const head = dnsPacket.encode({ type: 'response', id: 1, flags: 2, questions: [{ type: 'MX', name: 'bogus.test' }] });
    const options = Buffer.concat(
      edes.map(([info, text]) => {
        const option = Buffer.alloc(6 + Buffer.byteLength(text));
        option.writeUInt16BE(15, 0);
        option.writeUInt16BE(2 + Buffer.byteLength(text), 2);
        option.writeUInt16BE(info, 4);
        option.write(text, 6);
        return option;
      }),
    );
    // Root owner, type OPT, UDP size 1232, extended rcode/version/flags 0, then RDLENGTH and the options.
    const opt = Buffer.concat([Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0]), Buffer.alloc(2), options]);
    opt.writeUInt16BE(options.length, 9);
    const bytes = Buffer.concat([head, opt]);
    bytes.writeUInt16BE(1, 10); // ARCOUNT
    return decodeResponse(bytes)?.ede;
  };

  it.each([
    [
      'stale answer, then signature expired: the DNSSEC one',
      [
        [3, 'stale'],
        [7, 'RRSIG expired'],
      ],
      { code: 7, text: 'RRSIG expired' },
    ],
    [
      'two DNSSEC ones: the first',
      [
        [9, 'no DNSKEY'],
        [6, 'bogus'],
      ],
      { code: 9, text: 'no DNSKEY' },
    ],
    [
      'no reachable authority and network error: the first',
      [
        [22, ''],
        [23, 'timeout'],
      ],
      { code: 22, text: null },
    ],
    [
      'a text meant to act on a terminal: C1 CSI, OSC 52 in C1, a bidi override, removed',
      [[7, '\u009b2K\u009b32mDNSSEC secure\u009d52;c;ZXZpbA==\u009c\u202eKO\u202c']],
      { code: 7, text: '2K32mDNSSEC secure52;c;ZXZpbA==KO' },
    ],
    ['none', [], null],
  ] as const)('%s', (_name, edes, expected) => {
    expect(withEdes(edes.map(([info, text]) => [info, text]))).toEqual(expected);
  });
});

describe('decodeResponse: TXT records', () => {
  it('joins the strings as octets before reading UTF-8: a character split across two strings is read whole', () => {
    const bytes = dnsPacket.encode({
      type: 'response',
      id: 1,
      flags: 0,
      questions: [{ type: 'TXT', name: 'split.test' }],
      answers: [
        {
          type: 'TXT',
          name: 'split.test',
          ttl: 60,
          data: [Buffer.from('v=DMARC1; p=none; x=caf\xc3', 'latin1'), Buffer.from([0xa9])],
        },
      ],
    });
    expect(decodeResponse(bytes)?.records[0]).toMatchObject({ type: 'TXT', text: 'v=DMARC1; p=none; x=café' });
  });
});

describe('decodeResponse: compression and malformed records', () => {
  it('writes IPv6 addresses as RFC 5952 does: the longest zero run shortened, the first of equal ones', () => {
    const aaaa = (groups: number[]): string | undefined => {
      const data = groups.flatMap(u16b);
      const record = decodeResponse(wire(header(1, 1), QUESTION, rr(POINTER_TO_QUESTION, 28, data)))?.records[0];
      return record?.type === 'AAAA' ? record.address : undefined;
    };
    expect(aaaa([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1])).toBe('2001:db8:0:1::1');
    expect(aaaa([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe('2001:db8::1:0:0:1');
    expect(aaaa([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe('2001:db8:0:1:1:1:1:1');
    expect(aaaa([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
    expect(aaaa([0, 0, 0, 0, 0, 0, 0, 1])).toBe('::1');
    expect(aaaa([0x2a00, 0x1450, 0x400c, 0xc0b, 0, 0, 0, 0x1a])).toBe('2a00:1450:400c:c0b::1a');
  });

  it('follows pointers back to earlier names, in owner names and in record data', () => {
    const mxData = [...u16b(10), 3, ...Buffer.from('mx1'), ...POINTER_TO_QUESTION];
    const decoded = decodeResponse(wire(header(1, 1), QUESTION, rr(POINTER_TO_QUESTION, 15, mxData)));
    expect(decoded?.questions).toEqual([{ name: 'mx.test', type: 15, qclass: 1 }]);
    expect(decoded?.records).toEqual([{ type: 'MX', name: 'mx.test', ttl: 3600, priority: 10, exchange: 'mx1.mx.test' }]);
    expect(decoded?.authenticated).toBe(true);
  });

  it('refuses a pointer to itself, forward, or into a loop', () => {
    // A pointer at offset 29 (just after the question) that points at itself.
    expect(decodeResponse(wire(header(1, 1), QUESTION, rr([0xc0, 29], 1, [127, 0, 0, 1])))).toBeNull();
    // Forward: to the record's own data.
    expect(decodeResponse(wire(header(1, 1), QUESTION, rr([0xc0, 40], 1, [127, 0, 0, 1])))).toBeNull();
    // A label, then a pointer back to that label: a loop through earlier data.
    expect(decodeResponse(wire(header(1, 1), QUESTION, rr([1, 0x61, 0xc0, 29], 1, [127, 0, 0, 1])))).toBeNull();
  });

  it('refuses extended label types and names over 255 octets', () => {
    expect(decodeResponse(wire(header(1, 0), [0x41, 0], u16b(1), u16b(1)))).toBeNull();
    const long = Array.from({ length: 5 }, () => [63, ...Buffer.alloc(63, 0x61)]).flat();
    expect(decodeResponse(wire(header(1, 0), long, [0], u16b(1), u16b(1)))).toBeNull();
  });

  it('keeps a record whose data is wrong for its type as OTHER of that type: it answers nothing', () => {
    const decoded = decodeResponse(
      wire(
        header(1, 5),
        QUESTION,
        rr(POINTER_TO_QUESTION, 1, [127, 0, 0, 1, 9]), // A of 5 octets
        rr(POINTER_TO_QUESTION, 28, [0, 1]), // AAAA of 2
        rr(POINTER_TO_QUESTION, 16, [5, 0x61]), // TXT string past its record
        rr(POINTER_TO_QUESTION, 52, [3, 1]), // TLSA without its three fixed octets (RFC 6698 2.1)
        rr(POINTER_TO_QUESTION, 15, [0, 10, 3, 0x61]), // MX whose exchange runs past its record
      ),
    );
    expect(decoded?.records).toEqual(
      ['A', 'AAAA', 'TXT', 'TLSA', 'MX'].map((rrtype) => ({ type: 'OTHER', name: 'mx.test', ttl: 3600, rrtype })),
    );
  });

  it('reads a null MX (RFC 7505) as the empty exchange, and an empty TXT as empty text', () => {
    const decoded = decodeResponse(
      wire(header(1, 2), QUESTION, rr(POINTER_TO_QUESTION, 15, [0, 0, 0]), rr(POINTER_TO_QUESTION, 16, [])),
    );
    expect(decoded?.records).toEqual([
      { type: 'MX', name: 'mx.test', ttl: 3600, priority: 0, exchange: '' },
      { type: 'TXT', name: 'mx.test', ttl: 3600, text: '' },
    ]);
  });

  it('keeps a TLSA with its fields, the data in hex', () => {
    const decoded = decodeResponse(wire(header(1, 1), QUESTION, rr(POINTER_TO_QUESTION, 52, [3, 1, 1, 0xab, 0xcd])));
    expect(decoded?.records).toEqual([
      { type: 'TLSA', name: 'mx.test', ttl: 3600, usage: 3, selector: 1, matchingType: 1, data: 'abcd' },
    ]);
  });
});
