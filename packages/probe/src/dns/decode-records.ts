import type { Answer } from 'dns-packet';
import { canonicalDnsName } from './dns-name.js';
import type { DnsRecord } from './dns-types.js';

function txtText(data: unknown): string {
  // RFC 7208 3.3: the character-strings of one TXT record are joined without separator.
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join('');
}

function isOctet(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** One decoded answer-section record in the engine's shape; OPT pseudo-records are skipped. */
export function decodeRecord(answer: Answer): DnsRecord | null {
  if (answer.type === 'OPT') return null;
  const name = canonicalDnsName(answer.name);
  const ttl = answer.ttl ?? 0;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return { type: answer.type, name, ttl, address: answer.data };
    case 'CNAME':
      return { type: 'CNAME', name, ttl, target: canonicalDnsName(answer.data) };
    case 'PTR':
      return { type: 'PTR', name, ttl, target: canonicalDnsName(answer.data) };
    case 'MX':
      // The null MX exchange "." (RFC 7505) canonicalizes to "".
      return { type: 'MX', name, ttl, priority: answer.data.preference ?? 0, exchange: canonicalDnsName(answer.data.exchange) };
    case 'TXT':
      return { type: 'TXT', name, ttl, text: txtText(answer.data) };
    case 'TLSA': {
      // dns-packet reads the three octets and the rest whatever the RDLENGTH says: a record shorter
      // than its fixed fields (RFC 6698 2.1) must not become a TLSA with undefined fields.
      const { usage, selector, matchingType, certificate } = answer.data as Partial<typeof answer.data>;
      if (![usage, selector, matchingType].every(isOctet) || !Buffer.isBuffer(certificate)) {
        return { type: 'OTHER', name, ttl, rrtype: 'TLSA' };
      }
      return {
        type: 'TLSA',
        name,
        ttl,
        usage: usage as number,
        selector: selector as number,
        matchingType: matchingType as number,
        data: certificate.toString('hex'),
      };
    }
    case 'SRV':
      return {
        type: 'SRV',
        name,
        ttl,
        priority: answer.data.priority ?? 0,
        weight: answer.data.weight ?? 0,
        port: answer.data.port,
        target: canonicalDnsName(answer.data.target),
      };
    default:
      return { type: 'OTHER', name, ttl, rrtype: String(answer.type) };
  }
}

export function decodeRecords(answers: readonly Answer[] | undefined): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const answer of answers ?? []) {
    const record = decodeRecord(answer);
    if (record !== null) records.push(record);
  }
  return records;
}
