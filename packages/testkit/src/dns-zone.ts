import type { Answer } from 'dns-packet';
import { normalizeName, toPacketAnswer, type ZoneRecord } from './dns-records.js';

/**
 * How the simulated resolver misbehaves for one name. Fields combine: a name can
 * be slow and truncated at once. `fail` wins over everything else.
 */
export interface DnsBehaviour {
  /** servfail/refused: answer with that rcode and no records; timeout: never answer. */
  fail?: 'servfail' | 'refused' | 'timeout';
  /** Answer this many ms late. */
  delayMs?: number;
  /** UDP answers carry TC=1 and no records, whatever their size; TCP answers are complete (RFC 7766 5). */
  truncate?: boolean;
  /** Every TTL of the answer is 0 (RFC 2181 8 allows it: "use once, do not cache"). */
  ttl0?: boolean;
  /** Question types (e.g. ["MX"]) the behaviour applies to; every type when absent. */
  types?: string[];
}

/**
 * How a validating resolver would judge a zone's answers (the testkit signs
 * nothing: it plays the resolver's verdict). secure: AD set; insecure: no AD
 * (an unsigned zone or an insecure delegation); bogus: SERVFAIL unless the
 * asker sets CD, with an Extended DNS Error (RFC 8914) saying why.
 */
export interface ZoneDnssec {
  state: 'secure' | 'insecure' | 'bogus';
  /** Sent with a bogus zone's SERVFAIL, e.g. { code: 7, text: 'signature expired' }. */
  ede?: { code: number; text?: string };
}

export interface ZoneOptions {
  /**
   * Zones this resolver knows; names under none of them are REFUSED (so a test
   * that asks for a real name notices), except all-numeric TLDs: NXDOMAIN.
   */
  zones: string[];
  /** TTL of records that set none. */
  defaultTtl: number;
  /** SOA MINIMUM: the negative-caching TTL of NXDOMAIN/NODATA (RFC 2308 5). */
  negativeTtl: number;
  /** CNAMEs followed for one answer before giving up. */
  maxCnameHops: number;
  /**
   * What a chain longer than maxCnameHops (a loop) gives: the partial chain with
   * NOERROR, as BIND does, or SERVFAIL, as Unbound does.
   */
  onCnameLimit: 'partial' | 'servfail';
}

export type Resolution =
  | { status: 'answer'; rcode: 'NOERROR' | 'NXDOMAIN'; answers: Answer[]; authorities: Answer[]; dnssec: ZoneDnssec }
  | { status: 'fail'; rcode: 'SERVFAIL' | 'REFUSED' }
  | { status: 'timeout' };

function ancestors(name: string): string[] {
  const out: string[] = [];
  let dot = name.indexOf('.');
  while (dot !== -1) {
    out.push(name.slice(dot + 1));
    dot = name.indexOf('.', dot + 1);
  }
  return out;
}

/** The data behind the simulated resolver: records, behaviours, and the answer to one question. */
export class ZoneStore {
  readonly #records = new Map<string, ZoneRecord[]>();
  readonly #behaviours = new Map<string, DnsBehaviour>();
  /** How many stored names sit below each name: names with descendants exist (RFC 8020 empty non-terminals). */
  readonly #descendants = new Map<string, number>();
  readonly #zones: Set<string>;
  readonly #dnssec = new Map<string, ZoneDnssec>();
  readonly #opts: ZoneOptions;

  constructor(opts: ZoneOptions) {
    this.#opts = opts;
    this.#zones = new Set(opts.zones.map(normalizeName));
  }

  addZone(zone: string): void {
    this.#zones.add(normalizeName(zone));
  }

  /** Replace the records of `name`; [] makes a name that exists with no data, null removes it. */
  setRecords(name: string, records: ZoneRecord[] | null): void {
    const key = normalizeName(name);
    const had = this.#records.has(key);
    if (records === null) {
      if (!had) return;
      this.#records.delete(key);
      for (const a of ancestors(key)) {
        const n = (this.#descendants.get(a) ?? 1) - 1;
        if (n <= 0) this.#descendants.delete(a);
        else this.#descendants.set(a, n);
      }
      return;
    }
    this.#records.set(key, [...records]);
    if (!had) for (const a of ancestors(key)) this.#descendants.set(a, (this.#descendants.get(a) ?? 0) + 1);
  }

  /** Set how a validating resolver judges `zone` (added as a zone if new); null makes it insecure again. */
  setZoneDnssec(zone: string, dnssec: ZoneDnssec | null): void {
    const key = normalizeName(zone);
    this.#zones.add(key);
    if (dnssec === null) this.#dnssec.delete(key);
    else this.#dnssec.set(key, { ...dnssec });
  }

  /** The verdict over every zone an answer came from: one bogus zone makes it bogus, all secure make it secure. */
  #judge(zones: ReadonlySet<string>): ZoneDnssec {
    let secure = zones.size > 0;
    for (const zone of zones) {
      const state = this.#dnssec.get(zone);
      if (state?.state === 'bogus') return state;
      if (state?.state !== 'secure') secure = false;
    }
    return { state: secure ? 'secure' : 'insecure' };
  }

  getRecords(name: string): ZoneRecord[] | undefined {
    return this.#records.get(normalizeName(name));
  }

  /** Set (or with null, clear) the behaviour of one name. */
  setBehaviour(name: string, behaviour: DnsBehaviour | null): void {
    const key = normalizeName(name);
    if (behaviour === null) this.#behaviours.delete(key);
    else this.#behaviours.set(key, { ...behaviour });
  }

  /** The behaviour that applies to a question, if any. */
  behaviourFor(name: string, type: string): DnsBehaviour | undefined {
    const b = this.#behaviours.get(normalizeName(name));
    if (b === undefined) return undefined;
    if (b.types !== undefined && !b.types.includes(type.toUpperCase())) return undefined;
    return b;
  }

  #zoneOf(name: string): string | null {
    if (this.#zones.has(name)) return name;
    for (const a of ancestors(name)) if (this.#zones.has(a)) return a;
    return null;
  }

  #exists(name: string): boolean {
    return this.#records.has(name) || this.#descendants.has(name) || this.#zones.has(name);
  }

  #soa(zone: string, ttl0: boolean): Answer {
    const ttl = ttl0 ? 0 : this.#opts.negativeTtl;
    const suffix = zone === '.' ? '' : `.${zone}`;
    return {
      type: 'SOA',
      name: zone,
      ttl,
      data: {
        mname: `ns${suffix}`,
        rname: `hostmaster${suffix}`,
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: this.#opts.negativeTtl,
      },
    };
  }

  /**
   * Answer one question the way a recursive resolver would: follow CNAMEs inside
   * the data (RFC 1034 4.3.2 step 3a), put the chain in the answer section, and
   * tell NXDOMAIN from NODATA with the zone's SOA in the authority section
   * (RFC 2308 2.1, 2.2). After a CNAME the rcode describes the last name of the
   * chain (RFC 6604 2.1). `questionName` keeps the asker's letter case for the
   * first owner name.
   */
  resolve(questionName: string, questionType: string): Resolution {
    const qtype = questionType.toUpperCase();
    const ttl0 = this.behaviourFor(questionName, qtype)?.ttl0 === true;
    const answers: Answer[] = [];
    let current = normalizeName(questionName);
    let owner = questionName.endsWith('.') ? questionName.slice(0, -1) : questionName;
    const seen = new Set<string>();
    const visited = new Set<string>();

    for (let hop = 0; ; hop++) {
      const failure = this.behaviourFor(current, qtype)?.fail;
      if (failure === 'timeout') return { status: 'timeout' };
      if (failure === 'servfail') return { status: 'fail', rcode: 'SERVFAIL' };
      if (failure === 'refused') return { status: 'fail', rcode: 'REFUSED' };

      const zone = this.#zoneOf(current);
      if (zone === null) {
        // No TLD is all-numeric (RFC 3696 2): a real resolver gets NXDOMAIN from the
        // root for an IP address asked as a name, so answer that with the root's SOA.
        if (/^[0-9]+$/.test(current.slice(current.lastIndexOf('.') + 1))) {
          return {
            status: 'answer',
            rcode: 'NXDOMAIN',
            answers,
            authorities: [this.#soa('.', ttl0)],
            dnssec: { state: 'insecure' },
          };
        }
        return answers.length > 0 ? { status: 'fail', rcode: 'SERVFAIL' } : { status: 'fail', rcode: 'REFUSED' };
      }

      visited.add(zone);
      const ttlOf = (rec: ZoneRecord): number => (ttl0 ? 0 : (rec.ttl ?? this.#opts.defaultTtl));
      const records = this.#records.get(current) ?? [];
      const matching = records.filter((r) => qtype === 'ANY' || r.type === qtype);
      if (matching.length > 0) {
        for (const r of matching) answers.push(toPacketAnswer(owner, r, ttlOf(r)));
        return { status: 'answer', rcode: 'NOERROR', answers, authorities: [], dnssec: this.#judge(visited) };
      }
      if (qtype === 'SOA' && current === zone) {
        answers.push(this.#soa(zone, ttl0));
        return { status: 'answer', rcode: 'NOERROR', answers, authorities: [], dnssec: this.#judge(visited) };
      }
      const cname = records.find((r): r is Extract<ZoneRecord, { type: 'CNAME' }> => r.type === 'CNAME');
      if (cname !== undefined) {
        answers.push(toPacketAnswer(owner, cname, ttlOf(cname)));
        seen.add(current);
        const next = normalizeName(cname.target);
        if (hop + 1 >= this.#opts.maxCnameHops || seen.has(next)) {
          if (this.#opts.onCnameLimit === 'servfail') return { status: 'fail', rcode: 'SERVFAIL' };
          return { status: 'answer', rcode: 'NOERROR', answers, authorities: [], dnssec: this.#judge(visited) };
        }
        current = next;
        owner = next;
        continue;
      }
      const rcode = this.#exists(current) ? 'NOERROR' : 'NXDOMAIN';
      return { status: 'answer', rcode, answers, authorities: [this.#soa(zone, ttl0)], dnssec: this.#judge(visited) };
    }
  }
}
