import { describe, expect, it } from 'vitest';
import { ResolverValidation, type DnsAnswer, type DnsQuestionType, type DnsResolver } from '@mxv/probe';

/** Answers the SOA of `test` with AD after `delayMs`, or "aborted" when the signal it was given is aborted by then. */
class SlowValidatingResolver implements DnsResolver {
  questions: Array<{ name: string; signal: AbortSignal | undefined }> = [];
  constructor(readonly delayMs: number) {}
  async query(name: string, _type: DnsQuestionType, signal?: AbortSignal): Promise<DnsAnswer> {
    this.questions.push({ name, signal });
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const base = { usedTcp: false, server: 'fake', elapsedMs: this.delayMs, records: [] };
    if (signal?.aborted) return { ...base, status: 'TIMEOUT', authenticated: false, error: 'aborted' } as DnsAnswer;
    return { ...base, status: 'NODATA', authenticated: true, error: null } as DnsAnswer;
  }
}

describe('ResolverValidation', () => {
  it('asks once per TLD and remembers a conclusive answer', async () => {
    const resolver = new SlowValidatingResolver(1);
    const validation = new ResolverValidation(resolver);
    expect(await Promise.all([validation.validatesFor('a.test'), validation.validatesFor('b.test')])).toEqual([true, true]);
    expect(await validation.validatesFor('c.test')).toBe(true);
    expect(resolver.questions.map((q) => q.name)).toEqual(['test']);
  });

  it('is not answered "does not validate" because the check that asked first was aborted', async () => {
    const resolver = new SlowValidatingResolver(20);
    const validation = new ResolverValidation(resolver);
    const first = validation.validatesFor('a.test');
    const second = validation.validatesFor('b.test');
    // The question is shared by every check of the process: no one check's signal reaches it.
    expect(resolver.questions.map((q) => q.signal)).toEqual([undefined]);
    expect(await Promise.all([first, second])).toEqual([true, true]);
  });
});
