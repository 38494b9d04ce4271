import { createRequire } from 'node:module';
import { stripControls } from '../display-text.js';
import type { DnsExtendedError, DnsRecord } from './dns-types.js';

// dns-packet's table of type names, for the records the engine does not decode (`OTHER`, e.g. "RRSIG"). CommonJS:
// required, not imported (Node 20 scans a CommonJS file imported from ESM for its export names, at start-up).
const dnsTypes = createRequire(import.meta.url)('dns-packet/types') as { toString(code: number): string };

/** One response as the resolver uses it: the header bits, the echoed question, the answer records, the OPT facts. */
export interface DnsResponse {
  id: number;
  /** QR: a response, not a query. */
  isResponse: boolean;
  /** TC (RFC 1035 4.1.1): the answer did not fit; ask again over TCP. */
  truncated: boolean;
  /** AD (RFC 4035 3.2.3). */
  authenticated: boolean;
  /** RA (RFC 1035 4.1.1): the server offers recursion; an authoritative-only server clears it. */
  recursionAvailable: boolean;
  /** The response carries an OPT record: the server speaks EDNS (RFC 6891 7: one that does not MUST NOT send one). */
  edns: boolean;
  /** The full rcode: the header's 4 bits and the OPT record's upper 8 (RFC 6891 6.1.3). */
  rcode: number;
  /** The question section, as the response echoes it (RFC 5452 9.1 wants it checked). */
  questions: EchoedQuestion[];
  /** The answer section in the engine's shape, names canonical; OPT pseudo-records left out. */
  records: DnsRecord[];
  /** The first Extended DNS Error of the OPT record (RFC 8914), or null. */
  ede: DnsExtendedError | null;
  /**
   * The authority section holds a SOA: a negative answer that says so (RFC 2308 2.2), where a
   * resolver that stopped following a CNAME chain part way (BIND past its restart limit) sends none.
   */
  authoritySoa: boolean;
  /**
   * A referral (RFC 1034 4.3.1, RFC 2308 2.2 type 4): NOERROR, no answer, NS records and no SOA in the
   * authority section, AA and RA clear. An authoritative server passed as a resolver sends this for a name
   * it delegates; it is no answer, and read as one it looks like NODATA.
   */
  referral: boolean;
}

export interface EchoedQuestion {
  /** Canonical (lower case, no trailing dot). */
  name: string;
  type: number;
  qclass: number;
}

const HEADER_BYTES = 12;
const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_AD = 0x0020;
const FLAG_RA = 0x0080;
const FLAG_AA = 0x0400;
/** RFC 6891 6.1.2. */
const OPT_TYPE = 41;
/** RFC 1035 3.2.2. */
const SOA_TYPE = 6;
const NS_TYPE = 2;
/** RFC 1035 3.2.4. */
const CLASS_IN = 1;
/** RFC 8914 4. */
const EDE_OPTION_CODE = 15;
/** EXTRA-TEXT kept from an EDE: it is for people, and a hostile resolver could send 64 KB of it. */
const MAX_EDE_TEXT_CHARS = 256;
/** RFC 1035 3.1: a name is at most 255 octets on the wire; the labels and their length octets, at most 254 of them. */
const MAX_NAME_OCTETS = 254;

/** Thrown inside the decoder only: a packet that breaks its own structure is no response at all. */
class Malformed extends Error {}
/** The packet ends before what its counts and lengths announce. */
class CutShort extends Malformed {}

/**
 * Decodes a DNS response for the stub resolver (RFC 1035 4.1), in one pass
 * and only as far as the resolver needs it: the header, the question, the
 * answer records of the types the engine reads (A, AAAA, CNAME, PTR, MX, TXT,
 * TLSA, SRV, SOA; any other type becomes `OTHER`), and the OPT record of the
 * additional section. Authority and other additional records are walked over
 * with every bound checked but not decoded: a DNSSEC-signed negative answer
 * carries a SOA, NSEC3 records and their signatures there, which dns-packet
 * decoded in full for every question (12 µs for such an answer, against
 * about 1 µs here). It returns null for anything that breaks the packet's
 * structure, as dns-packet's decode threw: a name or record past the end, a
 * compression pointer that does not point back (RFC 1035 4.1.4, so no loop),
 * a label type other than 00 or 11, a name over 255 octets. A record whose
 * data is malformed for its type (an A that is not 4 octets, a TXT string
 * past its record), or whose class is not IN, is kept as `OTHER` of that
 * type: it answers nothing.
 *
 * `acceptCutShort` is for UDP: a response with TC set that ends before its
 * counts say (servers cut at the payload size, mid-record and with the counts
 * of the whole answer; RFC 2181 9) is returned, with its question and no
 * records, so that it is asked again over TCP (RFC 7766 5), as BIND's resolver
 * does, instead of being dropped and waited out.
 */
export function decodeResponse(bytes: Buffer, acceptCutShort = false): DnsResponse | null {
  try {
    return decode(bytes, acceptCutShort);
  } catch (error) {
    if (error instanceof Malformed || error instanceof RangeError) return null;
    throw error;
  }
}

function decode(bytes: Buffer, acceptCutShort: boolean): DnsResponse {
  if (bytes.length < HEADER_BYTES) throw new Malformed();
  const flags = bytes.readUInt16BE(2);
  const questionCount = bytes.readUInt16BE(4);
  const answerCount = bytes.readUInt16BE(6);
  const authorityCount = bytes.readUInt16BE(8);
  const additionalCount = bytes.readUInt16BE(10);
  const cursor = { offset: HEADER_BYTES };

  const questions: EchoedQuestion[] = [];
  for (let i = 0; i < questionCount; i++) {
    const name = readName(bytes, cursor);
    need(bytes, cursor.offset, 4);
    questions.push({ name, type: bytes.readUInt16BE(cursor.offset), qclass: bytes.readUInt16BE(cursor.offset + 2) });
    cursor.offset += 4;
  }

  const records: DnsRecord[] = [];
  let extendedRcode = 0;
  let ede: DnsExtendedError | null = null;
  let optSeen = false;
  let authoritySoa = false;
  let authorityNs = false;
  try {
    for (let i = 0; i < answerCount; i++) {
      const record = readAnswer(bytes, cursor);
      if (record !== null) records.push(record);
    }
    for (let i = 0; i < authorityCount; i++) {
      const type = skipRecord(bytes, cursor);
      if (type === SOA_TYPE) authoritySoa = true;
      else if (type === NS_TYPE) authorityNs = true;
    }

    for (let i = 0; i < additionalCount; i++) {
      skipName(bytes, cursor);
      const fixed = cursor.offset;
      need(bytes, fixed, 10);
      const type = bytes.readUInt16BE(fixed);
      const dataLength = bytes.readUInt16BE(fixed + 8);
      const dataStart = fixed + 10;
      need(bytes, dataStart, dataLength);
      // The first OPT counts, as dns-packet's users read it (RFC 6891 6.1.1 allows one).
      if (type === OPT_TYPE && !optSeen) {
        optSeen = true;
        extendedRcode = bytes[fixed + 4] ?? 0;
        ede = extendedErrorIn(bytes, dataStart, dataStart + dataLength);
      }
      cursor.offset = dataStart + dataLength;
    }
  } catch (error) {
    if (!(acceptCutShort && (flags & FLAG_TC) !== 0 && error instanceof CutShort)) throw error;
    // Only good for "ask again over TCP": nothing of a cut answer is kept, its OPT (and extended rcode) unread.
    records.length = 0;
    extendedRcode = 0;
    ede = null;
    optSeen = false;
    authoritySoa = false;
    authorityNs = false;
  }

  return {
    id: bytes.readUInt16BE(0),
    isResponse: (flags & FLAG_QR) !== 0,
    truncated: (flags & FLAG_TC) !== 0,
    authenticated: (flags & FLAG_AD) !== 0,
    recursionAvailable: (flags & FLAG_RA) !== 0,
    edns: optSeen,
    rcode: (extendedRcode << 4) | (flags & 0xf),
    questions,
    records,
    ede,
    authoritySoa,
    referral: (flags & 0xf) === 0 && answerCount === 0 && authorityNs && !authoritySoa && (flags & (FLAG_AA | FLAG_RA)) === 0,
  };
}

function need(bytes: Buffer, offset: number, length: number): void {
  if (offset + length > bytes.length) throw new CutShort();
}

/**
 * Reads a possibly compressed name at the cursor and moves the cursor past it
 * (past its first pointer, if any). Labels are joined with dots in presentation
 * format (escapeLabel), lower case, as the engine compares names (RFC 4343); the root is "".
 */
function readName(bytes: Buffer, cursor: { offset: number }): string {
  return walkName(bytes, cursor, true).toLowerCase();
}

function skipName(bytes: Buffer, cursor: { offset: number }): void {
  walkName(bytes, cursor, false);
}

/** Octets a label keeps only escaped: "." and "\", and everything outside printable ASCII (latin1-decoded). */
const NEEDS_ESCAPE = /[^\x21-\x2d\x2f-\x5b\x5d-\x7e]/;

function escapeLabel(label: string): string {
  let escaped = '';
  for (let i = 0; i < label.length; i++) {
    const octet = label.charCodeAt(i);
    if (octet === 0x2e || octet === 0x5c) escaped += `\\${label[i]}`;
    else if (octet < 0x21 || octet > 0x7e) escaped += `\\${String(octet).padStart(3, '0')}`;
    else escaped += label[i];
  }
  return escaped;
}

/** The name's labels joined with dots (when `read`), every bound checked either way. */
function walkName(bytes: Buffer, cursor: { offset: number }, read: boolean): string {
  let offset = cursor.offset;
  // A pointer must point before the name that holds it (RFC 1035 4.1.4: "a prior occurrence"), so it cannot loop.
  let earliest = offset;
  let resumeAt = -1;
  let octets = 0;
  let name = '';
  for (;;) {
    need(bytes, offset, 1);
    const length = bytes[offset] ?? 0;
    if (length === 0) {
      offset += 1;
      break;
    }
    const kind = length & 0xc0;
    if (kind === 0) {
      need(bytes, offset + 1, length);
      octets += length + 1;
      if (octets > MAX_NAME_OCTETS) throw new Malformed();
      if (read) {
        let label = bytes.toString('latin1', offset + 1, offset + 1 + length);
        // A label may hold any octet (RFC 2181 11). Written as dig writes it (RFC 1035 5.1): "." and "\"
        // escaped, so that the two labels of "mx\.evil.example" never read as, or get asked as, three; every
        // octet outside printable ASCII as \DDD, so that a name cannot carry a terminal's escape sequences
        // (ESC [31m) to whoever reads a table, nor raw UTF-8 pass for a host name. Such names are never asked
        // (isEncodableDnsName) and are no host names (isHostName).
        if (NEEDS_ESCAPE.test(label)) label = escapeLabel(label);
        name = name === '' ? label : `${name}.${label}`;
      }
      offset += 1 + length;
    } else if (kind === 0xc0) {
      need(bytes, offset, 2);
      const target = bytes.readUInt16BE(offset) & 0x3fff;
      if (target >= earliest) throw new Malformed();
      if (resumeAt < 0) resumeAt = offset + 2;
      earliest = target;
      offset = target;
    } else {
      // 01 and 10: extended label types (RFC 6891 5), obsolete; nothing we can read.
      throw new Malformed();
    }
  }
  cursor.offset = resumeAt >= 0 ? resumeAt : offset;
  return name;
}

/** Moves the cursor past one record, every bound checked; returns its type. */
function skipRecord(bytes: Buffer, cursor: { offset: number }): number {
  skipName(bytes, cursor);
  need(bytes, cursor.offset, 10);
  const type = bytes.readUInt16BE(cursor.offset);
  const dataLength = bytes.readUInt16BE(cursor.offset + 8);
  need(bytes, cursor.offset + 10, dataLength);
  cursor.offset += 10 + dataLength;
  return type;
}

/** One answer record in the engine's shape, or null for an OPT pseudo-record; the cursor moves past it. */
function readAnswer(bytes: Buffer, cursor: { offset: number }): DnsRecord | null {
  const name = readName(bytes, cursor);
  const fixed = cursor.offset;
  need(bytes, fixed, 10);
  const type = bytes.readUInt16BE(fixed);
  const ttl = bytes.readUInt32BE(fixed + 4);
  const dataLength = bytes.readUInt16BE(fixed + 8);
  const start = fixed + 10;
  const end = start + dataLength;
  need(bytes, start, dataLength);
  cursor.offset = end;
  if (type === OPT_TYPE) return null;
  const other = (): DnsRecord => ({ type: 'OTHER', name, ttl, rrtype: dnsTypes.toString(type) });
  // Every question is class IN: a record of another class answers none of them (BIND refuses such a message
  // as FORMERR, Postfix's dns_get_fixed as "bad class").
  if (bytes.readUInt16BE(fixed + 2) !== CLASS_IN) return other();
  switch (type) {
    case 1:
      return dataLength === 4
        ? { type: 'A', name, ttl, address: `${bytes[start]}.${bytes[start + 1]}.${bytes[start + 2]}.${bytes[start + 3]}` }
        : other();
    case 28:
      return dataLength === 16 ? { type: 'AAAA', name, ttl, address: ipv6Text(bytes, start) } : other();
    case 5:
    case 12: {
      const target = nameWithin(bytes, start, end);
      if (target === null) return other();
      return type === 5 ? { type: 'CNAME', name, ttl, target } : { type: 'PTR', name, ttl, target };
    }
    case 15: {
      if (dataLength < 3) return other();
      // The null MX exchange "." (RFC 7505) canonicalizes to "".
      const exchange = nameWithin(bytes, start + 2, end);
      return exchange === null ? other() : { type: 'MX', name, ttl, priority: bytes.readUInt16BE(start), exchange };
    }
    case SOA_TYPE: {
      const primary = soaPrimaryWithin(bytes, start, end);
      return primary === null ? other() : { type: 'SOA', name, ttl, primary };
    }
    case 16: {
      const text = txtWithin(bytes, start, end);
      return text === null ? other() : { type: 'TXT', name, ttl, text };
    }
    case 52:
      // RFC 6698 2.1: three octets, then the association data.
      if (dataLength < 3) return other();
      return {
        type: 'TLSA',
        name,
        ttl,
        usage: bytes[start] ?? 0,
        selector: bytes[start + 1] ?? 0,
        matchingType: bytes[start + 2] ?? 0,
        data: bytes.toString('hex', start + 3, end),
      };
    case 33: {
      if (dataLength < 7) return other();
      const target = nameWithin(bytes, start + 6, end);
      if (target === null) return other();
      return {
        type: 'SRV',
        name,
        ttl,
        priority: bytes.readUInt16BE(start),
        weight: bytes.readUInt16BE(start + 2),
        port: bytes.readUInt16BE(start + 4),
        target,
      };
    }
    default:
      return other();
  }
}

/** A name in a record's data, read no further than the data's end: null when it runs past it or is malformed. */
function nameWithin(bytes: Buffer, start: number, end: number): string | null {
  try {
    return readName(bytes.subarray(0, end), { offset: start });
  } catch (error) {
    if (error instanceof Malformed) return null;
    throw error;
  }
}

/** RFC 1035 3.3.13: MNAME, RNAME, then five 32-bit numbers; the MNAME, or null when the data is not that. */
function soaPrimaryWithin(bytes: Buffer, start: number, end: number): string | null {
  try {
    const within = bytes.subarray(0, end);
    const cursor = { offset: start };
    const primary = readName(within, cursor);
    skipName(within, cursor);
    return end - cursor.offset === 20 ? primary : null;
  } catch (error) {
    if (error instanceof Malformed) return null;
    throw error;
  }
}

/**
 * The character-strings of one TXT record joined without separator (RFC 7208
 * 3.3), then read as UTF-8: a character a publisher's tool split across two
 * strings (each at most 255 octets) is read whole. Null when a string runs past the record.
 */
function txtWithin(bytes: Buffer, start: number, end: number): string | null {
  const first = bytes[start] ?? 0;
  // One string, the common case: read in place.
  if (start + 1 + first === end) return bytes.toString('utf8', start + 1, end);
  const parts: Buffer[] = [];
  let offset = start;
  while (offset < end) {
    const length = bytes[offset] ?? 0;
    if (offset + 1 + length > end) return null;
    parts.push(bytes.subarray(offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** RFC 5952 text of 16 address octets: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
function ipv6Text(bytes: Buffer, start: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(start + 2 * i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((group) => group.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/**
 * The INFO-CODEs that say why DNSSEC validation failed (RFC 8914 4.2, 4.3, 4.6-4.13: 1 Unsupported DNSKEY
 * Algorithm, 2 Unsupported DS Digest Type, 5 DNSSEC Indeterminate ... 12 NSEC Missing; not 3 Stale Answer
 * or 4 Forged Answer).
 */
const DNSSEC_EDE_CODES: ReadonlySet<number> = new Set([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);

/**
 * The EDE option of an OPT record's data (RFC 8914 2) that says most about DNSSEC, which is what the engine
 * reads EDEs for: a resolver may send several (BIND 9.20 adds network ones, a resolver serving stale data
 * adds 3), so the first with a DNSSEC INFO-CODE, else the first well-formed one; null when none.
 */
function extendedErrorIn(bytes: Buffer, start: number, end: number): DnsExtendedError | null {
  let first: DnsExtendedError | null = null;
  let offset = start;
  while (offset + 4 <= end) {
    const code = bytes.readUInt16BE(offset);
    const length = bytes.readUInt16BE(offset + 2);
    const dataStart = offset + 4;
    if (dataStart + length > end) break;
    // A malformed EDE (shorter than its INFO-CODE) says nothing we could trust: the next one may.
    if (code === EDE_OPTION_CODE && length >= 2) {
      const infoCode = bytes.readUInt16BE(dataStart);
      // The resolver's free text, for people: nothing in it may act on a terminal (C1 CSI, bidi overrides).
      const text = stripControls(bytes.toString('utf8', dataStart + 2, dataStart + length)).slice(0, MAX_EDE_TEXT_CHARS);
      const ede = { code: infoCode, text: text === '' ? null : text };
      if (DNSSEC_EDE_CODES.has(infoCode)) return ede;
      first ??= ede;
    }
    offset = dataStart + length;
  }
  return first;
}
