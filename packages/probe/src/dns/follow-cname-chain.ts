import { canonicalDnsName } from './dns-name.js';
import type { DnsRecord } from './dns-types.js';

export interface CnameChain {
  /** The name the chain ends at (the start name itself when there is no CNAME). */
  target: string;
  /** The aliases walked through, in order; empty when the name is not an alias. */
  aliases: readonly string[];
  /** The chain came back to a name it had already visited. */
  loop: boolean;
}

const NO_ALIASES: readonly string[] = Object.freeze([]);

function isCname(record: DnsRecord): boolean {
  return record.type === 'CNAME';
}

/**
 * Follows CNAMEs from `name` through an answer section. A recursive resolver
 * puts the whole chain in the answer (RFC 1034 3.6.2, 4.3.2 step 3a), so the
 * records of the asked type are owned by the last name of the chain, not by the
 * name that was asked.
 */
export function followCnameChain(records: readonly DnsRecord[], name: string): CnameChain {
  // Most answers hold no CNAME: every DNS answer passes here, so that case allocates no map, set or list.
  if (!records.some(isCname)) return { target: canonicalDnsName(name), aliases: NO_ALIASES, loop: false };
  const aliasOf = new Map<string, string>();
  for (const record of records) {
    if (record.type === 'CNAME') {
      const owner = canonicalDnsName(record.name);
      // A name has at most one CNAME (RFC 2181 10.1); keep the first if a broken server sends more.
      if (!aliasOf.has(owner)) aliasOf.set(owner, canonicalDnsName(record.target));
    }
  }
  let current = canonicalDnsName(name);
  const aliases: string[] = [];
  const seen = new Set<string>([current]);
  for (let next = aliasOf.get(current); next !== undefined; next = aliasOf.get(current)) {
    aliases.push(current);
    if (seen.has(next)) return { target: next, aliases, loop: true };
    seen.add(next);
    current = next;
  }
  return { target: current, aliases, loop: false };
}
