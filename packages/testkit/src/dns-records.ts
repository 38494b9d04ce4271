import type { Answer } from 'dns-packet';

/** One record of the simulated DNS, owned by the name it is stored under. `ttl` in seconds. */
export type ZoneRecord =
  | { type: 'MX'; priority: number; /** "." is the null MX of RFC 7505. */ exchange: string; ttl?: number }
  | { type: 'A'; address: string; ttl?: number }
  | { type: 'AAAA'; address: string; ttl?: number }
  | { type: 'CNAME'; target: string; ttl?: number }
  | { type: 'TXT'; text: string | string[]; ttl?: number }
  /** Owned by an in-addr.arpa / ip6.arpa name (RFC 1035 3.5, RFC 3596 2.5). */
  | { type: 'PTR'; target: string; ttl?: number }
  | {
      type: 'SRV';
      priority: number;
      weight: number;
      port: number;
      /** "." means "not offered" (RFC 2782). */ target: string;
      ttl?: number;
    }
  | { type: 'TLSA'; usage: number; selector: number; matchingType: number; /** Hex. */ data: string; ttl?: number };

export type ZoneRecordType = ZoneRecord['type'];

/** Names are compared lower case without the trailing dot (RFC 4343: DNS names are case-insensitive). */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') && lower !== '.' ? lower.slice(0, -1) : lower;
}

/** The dns-packet form of a record, with its owner name and TTL. */
export function toPacketAnswer(owner: string, rec: ZoneRecord, ttl: number): Answer {
  switch (rec.type) {
    case 'MX':
      return { type: 'MX', name: owner, ttl, data: { preference: rec.priority, exchange: rec.exchange } };
    case 'A':
      return { type: 'A', name: owner, ttl, data: rec.address };
    case 'AAAA':
      return { type: 'AAAA', name: owner, ttl, data: rec.address };
    case 'CNAME':
      return { type: 'CNAME', name: owner, ttl, data: rec.target };
    case 'TXT':
      return { type: 'TXT', name: owner, ttl, data: rec.text };
    case 'PTR':
      return { type: 'PTR', name: owner, ttl, data: rec.target };
    case 'SRV':
      return {
        type: 'SRV',
        name: owner,
        ttl,
        data: { priority: rec.priority, weight: rec.weight, port: rec.port, target: rec.target },
      };
    case 'TLSA':
      return {
        type: 'TLSA',
        name: owner,
        ttl,
        data: {
          usage: rec.usage,
          selector: rec.selector,
          matchingType: rec.matchingType,
          certificate: Buffer.from(rec.data, 'hex'),
        },
      };
  }
}
