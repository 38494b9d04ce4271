import { randomInt } from 'node:crypto';
import { canonicalDnsName } from './dns-name.js';
import type { DnsResponse } from './decode-response.js';
import type { DnsQuestionType } from './dns-types.js';

/** Header flags (RFC 1035 4.1.1; AD and CD: RFC 4035 3.2). */
const RECURSION_DESIRED = 0x0100;
const AUTHENTIC_DATA = 0x0020;
const CHECKING_DISABLED = 0x0010;
/** The DO bit of the OPT record's flags (RFC 3225 3). */
const DNSSEC_OK = 0x8000;

/** One question as sent: the id and question a response must echo to be accepted. */
export interface DnsQuestion {
  id: number;
  /** Canonical name (lower case, no trailing dot). */
  name: string;
  type: DnsQuestionType;
  /** CD=1: the resolver is asked not to validate (RFC 4035 3.2.2). */
  checkingDisabled?: boolean;
  /** Sent without an OPT record: the server answered FORMERR or NOTIMP to EDNS (RFC 6891 7). */
  withoutEdns?: boolean;
}

/**
 * A fresh random id per question (RFC 5452 4.3: the id and the source port are
 * the only entropy an off-path spoofer has to guess).
 */
export function newQuestion(name: string, type: DnsQuestionType, checkingDisabled = false): DnsQuestion {
  // Built key by key: a spread here was an extra object and a slow copy on every question.
  const question: DnsQuestion = { id: randomInt(0, 0x10000), name: canonicalDnsName(name), type };
  if (checkingDisabled) question.checkingDisabled = true;
  return question;
}

/** The same question with a fresh id, to go without EDNS to a server that does not speak it (RFC 6891 7). */
export function withoutEdns(question: DnsQuestion): DnsQuestion {
  return { ...question, id: randomInt(0, 0x10000), withoutEdns: true };
}

/** Type codes of the questions the engine asks (RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 6698). */
const TYPE_CODES: Record<DnsQuestionType, number> = {
  A: 1,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  TLSA: 52,
};
/** RFC 6891 6.1.2: the OPT pseudo-record's type. */
const OPT_TYPE = 41;
const CLASS_IN = 1;
/** Header (12), the question's type and class (4), and the OPT record without a name (10) after its root label (1). */
const FIXED_QUERY_BYTES = 12 + 4 + 11;
/** The OPT record: root label (1), type, class, TTL and data length (10). */
const OPT_RECORD_BYTES = 11;

/**
 * One question as it goes on the wire: RD (we are a stub and want recursion),
 * AD (RFC 6840 5.7: tell us whether the answer was validated), CD only when
 * asked, and an EDNS(0) OPT record with the DO bit (RFC 3225: some validating
 * resolvers set AD only for a DNSSEC-aware asker) and our UDP payload size
 * (RFC 6891 6.2.3). Written by hand, byte for byte what dns-packet's encode
 * writes (dns-query.test), because every question of every check passes here.
 * The name is canonical and checked (isEncodableDnsName) by the caller.
 * Without EDNS (`withoutEdns`), no OPT record: a plain RFC 1035 query.
 */
export function encodeQuery(question: DnsQuestion, udpPayloadBytes: number): Buffer {
  const name = question.name;
  const edns = question.withoutEdns !== true;
  // The root is one zero octet; any other name its text with a length octet before each label.
  const nameBytes = name === '' ? 1 : Buffer.byteLength(name, 'utf8') + 2;
  const bytes = Buffer.alloc(FIXED_QUERY_BYTES - (edns ? 0 : OPT_RECORD_BYTES) + nameBytes);
  bytes.writeUInt16BE(question.id, 0);
  bytes.writeUInt16BE(RECURSION_DESIRED | AUTHENTIC_DATA | (question.checkingDisabled === true ? CHECKING_DISABLED : 0), 2);
  bytes.writeUInt16BE(1, 4); // QDCOUNT
  if (edns) bytes.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  let offset = 12;
  if (name !== '') {
    // The whole name is written after the first length octet, then each "." becomes the next label's length
    // (no array of labels per question). UTF-8 has the octet 0x2e for "." only, never inside a character.
    const end = offset + 1 + bytes.write(name, offset + 1, 'utf8');
    let lengthAt = offset;
    for (let at = offset + 1; at <= end; at++) {
      if (at === end || bytes[at] === 0x2e) {
        bytes[lengthAt] = at - lengthAt - 1;
        lengthAt = at;
      }
    }
    offset = end;
  }
  bytes[offset++] = 0;
  offset = bytes.writeUInt16BE(TYPE_CODES[question.type], offset);
  offset = bytes.writeUInt16BE(CLASS_IN, offset);
  if (!edns) return bytes;
  // OPT: root name, type, CLASS = payload size, TTL = extended rcode 0, version 0, flags DO; no options.
  bytes[offset++] = 0;
  offset = bytes.writeUInt16BE(OPT_TYPE, offset);
  offset = bytes.writeUInt16BE(udpPayloadBytes, offset);
  offset = bytes.writeUInt32BE(DNSSEC_OK, offset);
  bytes.writeUInt16BE(0, offset);
  return bytes;
}

const RCODE_FORMERR = 1;
const RCODE_NOTIMP = 4;

/**
 * A response counts only if it is a response and echoes our id and our question
 * (RFC 5452 9.1: id, question name, type and class must all match). Anything else
 * is a late answer to an earlier question or a spoofing attempt, and is ignored.
 * One exception, as BIND's resolver makes it: a FORMERR or NOTIMP with an empty
 * question section, what a server that could not parse our query (its OPT
 * record, RFC 6891 7) often sends. It answers nothing; it only gets the
 * question asked again without EDNS, and that answer must match in full.
 */
export function matchesQuestion(response: DnsResponse, question: DnsQuestion): boolean {
  if (!response.isResponse || response.id !== question.id) return false;
  if (response.questions.length === 0) return isEdnsRefusal(response) && response.records.length === 0;
  if (response.questions.length !== 1) return false;
  const echoed = response.questions[0];
  if (echoed === undefined) return false;
  return echoed.name === question.name && echoed.type === TYPE_CODES[question.type] && echoed.qclass === CLASS_IN;
}

/**
 * What a server that does not implement EDNS answers a query with an OPT record: FORMERR (RFC 6891 7; some send
 * NOTIMP), and no OPT record of its own, which an EDNS server's answer always has. BIND, Unbound and glibc then
 * ask again without EDNS.
 */
export function isEdnsRefusal(response: DnsResponse): boolean {
  return !response.edns && (response.rcode === RCODE_FORMERR || response.rcode === RCODE_NOTIMP);
}
