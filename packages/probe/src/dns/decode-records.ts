import type { Answer } from 'dns-packet';
import { canonicalDnsName } from './dns-name.js';
import type { DnsRecord } from './dns-types.js';

function txtText(data: unknown): string {
  // RFC 7208 3.3: the character-strings of one TXT record are joined without separator.
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join('');
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
    case 'MX':
      // The null MX exchange "." (RFC 7505) canonicalizes to "".
      return { type: 'MX', name, ttl, priority: answer.data.preference ?? 0, exchange: canonicalDnsName(answer.data.exchange) };
    case 'TXT':
      return { type: 'TXT', name, ttl, text: txtText(answer.data) };
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
