import type { DnsAnswer, DnsQuestionType, DnsRecord, DnsResolver } from '@mxv/probe';
import type { DnsStatus } from '@mxv/schema';

/** Zone data for policy tests: name → records, or a status to answer with (SERVFAIL, TIMEOUT). */
export type FakeZone = Record<string, Array<Exclude<DnsRecord, { type: 'OTHER' }>> | DnsStatus>;

/** A resolver over a fixed zone that counts its questions: enough to test what a check asks and concludes. */
export class FakeResolver implements DnsResolver {
  questions: Array<{ name: string; type: DnsQuestionType }> = [];
  constructor(private readonly zone: FakeZone) {}

  query(name: string, type: DnsQuestionType): Promise<DnsAnswer> {
    this.questions.push({ name, type });
    const base = { authenticated: false, usedTcp: false, server: 'fake', elapsedMs: 0, error: null };
    const entry = this.zone[name.toLowerCase()];
    if (entry === undefined) return Promise.resolve({ ...base, status: 'NXDOMAIN', records: [] });
    if (typeof entry === 'string') return Promise.resolve({ ...base, status: entry, records: [] });
    const records = entry.filter((record) => record.type === type);
    return Promise.resolve({ ...base, status: records.length > 0 ? 'NOERROR' : 'NODATA', records });
  }
}

export function txt(name: string, ...texts: string[]): Array<Exclude<DnsRecord, { type: 'OTHER' }>> {
  return texts.map((text) => ({ type: 'TXT', name, ttl: 300, text }));
}

export function a(name: string, address = '192.0.2.1'): Exclude<DnsRecord, { type: 'OTHER' }> {
  return { type: 'A', name, ttl: 300, address };
}
