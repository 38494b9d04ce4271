import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DecodedPacket, OptAnswer } from 'dns-packet';
import { canonicalDnsName } from './dns-name.js';
import type { DnsExtendedError, DnsQuestionType } from './dns-types.js';

// dns-packet is CommonJS: required, not imported. Node 20 scans every CommonJS
// file imported from ESM for its export names; that scan was a fifth of the
// start-up of `mxv check` (bench/startup), and require() skips it.
const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof import('dns-packet');

/** The DO bit of the OPT record's flags (RFC 3225 3). */
const DNSSEC_OK = 0x8000;

/** EDNS option code of an Extended DNS Error (RFC 8914 4). */
const EDE_OPTION_CODE = 15;
/** EXTRA-TEXT kept from an EDE: it is for people, and a hostile resolver could send 64 KB of it. */
const MAX_EDE_TEXT_CHARS = 256;

/** One question as sent: the id and question a response must echo to be accepted. */
export interface DnsQuestion {
  id: number;
  /** Canonical name (lower case, no trailing dot). */
  name: string;
  type: DnsQuestionType;
  /** CD=1: the resolver is asked not to validate (RFC 4035 3.2.2). */
  checkingDisabled?: boolean;
}

/**
 * A fresh random id per question (RFC 5452 4.3: the id and the source port are
 * the only entropy an off-path spoofer has to guess).
 */
export function newQuestion(name: string, type: DnsQuestionType, checkingDisabled = false): DnsQuestion {
  return { id: randomInt(0, 0x10000), name: canonicalDnsName(name), type, ...(checkingDisabled ? { checkingDisabled } : {}) };
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

/**
 * One question as it goes on the wire: RD (we are a stub and want recursion),
 * AD (RFC 6840 5.7: tell us whether the answer was validated), CD only when
 * asked, and an EDNS(0) OPT record with the DO bit (RFC 3225: some validating
 * resolvers set AD only for a DNSSEC-aware asker) and our UDP payload size
 * (RFC 6891 6.2.3). Written by hand, byte for byte what dns-packet's encode
 * writes (dns-query.test), because every question of every check passes here.
 * The name is canonical and checked (isEncodableDnsName) by the caller.
 */
export function encodeQuery(question: DnsQuestion, udpPayloadBytes: number): Buffer {
  const labels = question.name === '' ? [] : question.name.split('.');
  let nameBytes = 1;
  for (const label of labels) nameBytes += 1 + Buffer.byteLength(label, 'utf8');
  const bytes = Buffer.alloc(FIXED_QUERY_BYTES + nameBytes);
  bytes.writeUInt16BE(question.id, 0);
  bytes.writeUInt16BE(
    dnsPacket.RECURSION_DESIRED |
      dnsPacket.AUTHENTIC_DATA |
      (question.checkingDisabled === true ? dnsPacket.CHECKING_DISABLED : 0),
    2,
  );
  bytes.writeUInt16BE(1, 4); // QDCOUNT
  bytes.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  let offset = 12;
  for (const label of labels) {
    const length = bytes.write(label, offset + 1, 'utf8');
    bytes[offset] = length;
    offset += length + 1;
  }
  bytes[offset++] = 0;
  offset = bytes.writeUInt16BE(TYPE_CODES[question.type], offset);
  offset = bytes.writeUInt16BE(CLASS_IN, offset);
  // OPT: root name, type, CLASS = payload size, TTL = extended rcode 0, version 0, flags DO; no options.
  bytes[offset++] = 0;
  offset = bytes.writeUInt16BE(OPT_TYPE, offset);
  offset = bytes.writeUInt16BE(udpPayloadBytes, offset);
  offset = bytes.writeUInt32BE(DNSSEC_OK, offset);
  bytes.writeUInt16BE(0, offset);
  return bytes;
}

export function decodePacket(bytes: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * A response counts only if it is a response and echoes our id and our question
 * (RFC 5452 9.1: id, question name, type and class must all match). Anything else
 * is a late answer to an earlier question or a spoofing attempt, and is ignored.
 */
export function matchesQuestion(packet: DecodedPacket, question: DnsQuestion): boolean {
  if (!packet.flag_qr || packet.id !== question.id) return false;
  const questions = packet.questions ?? [];
  if (questions.length !== 1) return false;
  const echoed = questions[0];
  if (echoed === undefined) return false;
  return canonicalDnsName(echoed.name) === question.name && echoed.type === question.type && (echoed.class ?? 'IN') === 'IN';
}

/** The full rcode: the header's 4 bits plus the OPT record's upper 8 bits (RFC 6891 6.1.3). */
export function responseRcode(packet: DecodedPacket): number {
  const low = (packet.flags ?? 0) & 0xf;
  const opt = (packet.additionals ?? []).find((record): record is OptAnswer => record.type === 'OPT');
  return ((opt?.extendedRcode ?? 0) << 4) | low;
}

/**
 * The first Extended DNS Error of a response (RFC 8914 2: INFO-CODE, then
 * EXTRA-TEXT in UTF-8), or null. A malformed option (shorter than its code) is
 * ignored: it says nothing we could trust.
 */
export function extendedError(packet: DecodedPacket): DnsExtendedError | null {
  const opt = (packet.additionals ?? []).find((record): record is OptAnswer => record.type === 'OPT');
  // dns-packet's typings know only the options it decodes; any other code arrives as raw { code, data }.
  for (const option of (opt?.options ?? []) as Array<{ code?: number; data?: unknown }>) {
    const data = option.data;
    if (option.code !== EDE_OPTION_CODE || !Buffer.isBuffer(data) || data.length < 2) continue;
    const text = data
      .subarray(2)
      .toString('utf8')
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .slice(0, MAX_EDE_TEXT_CHARS);
    return { code: data.readUInt16BE(0), text: text === '' ? null : text };
  }
  return null;
}
