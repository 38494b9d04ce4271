import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { encodeQuery, type DnsQuestion } from '../src/dns/dns-query.js';
import type { DnsQuestionType } from '../src/dns/dns-types.js';

/** What dns-packet writes for the same question: the reference encodeQuery must match byte for byte. */
function referenceEncoding(question: DnsQuestion, udpPayloadBytes: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: question.id,
    flags:
      dnsPacket.RECURSION_DESIRED |
      dnsPacket.AUTHENTIC_DATA |
      (question.checkingDisabled === true ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ type: question.type, name: question.name, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: udpPayloadBytes,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0x8000,
        flag_do: true,
        options: [],
      },
    ],
  });
}

const TYPES: DnsQuestionType[] = ['MX', 'A', 'AAAA', 'CNAME', 'TLSA', 'TXT', 'SRV', 'SOA', 'PTR'];
const NAMES = [
  'example.test',
  'com',
  '_25._tcp.mx1.mail.example.test',
  '_dmarc.d1.bulk.test',
  '4.3.2.1.in-addr.arpa',
  'bücher.example',
  `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
];

describe('encodeQuery', () => {
  it.each(TYPES)('writes what dns-packet writes for %s, with and without CD, for every payload size', (type) => {
    for (const name of NAMES) {
      for (const checkingDisabled of [false, true]) {
        for (const payload of [512, 1232, 4096]) {
          const question: DnsQuestion = { id: (name.length * 977 + payload) % 0x10000, name, type, checkingDisabled };
          expect(encodeQuery(question, payload).equals(referenceEncoding(question, payload))).toBe(true);
        }
      }
    }
  });

  it('decodes as the question it was (dns-packet reads it back)', () => {
    const decoded = dnsPacket.decode(encodeQuery({ id: 4242, name: 'x.example.test', type: 'TLSA' }, 1232));
    expect(decoded).toMatchObject({ id: 4242, flag_rd: true, flag_ad: true, flag_cd: false, flag_qr: false });
    expect(decoded.questions).toEqual([{ name: 'x.example.test', type: 'TLSA', class: 'IN' }]);
    expect(decoded.additionals?.[0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232, flag_do: true });
  });
});
