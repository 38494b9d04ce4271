import { describe, expect, it } from 'vitest';
import { checkDmarc, defaultsOf, POLICY_BOUNDS } from '@mxv/probe';
import { FakeResolver, txt, type FakeZone } from './fake-txt-resolver.js';

/** RFC 7489 7.1: reports to a destination outside the domain's organization need that destination's consent. */

const bounds = defaultsOf(POLICY_BOUNDS);
const record = (rua: string) => `v=DMARC1; p=reject; rua=${rua}`;

describe('DMARC report destinations outside the organization (RFC 7489 7.1)', () => {
  it('lists the rua URIs whose destination publishes no v=DMARC1 at <domain>._report._dmarc.<destination>', async () => {
    const rua = [
      'mailto:a@x.test',
      'mailto:b@sub.x.test',
      'mailto:r@ok.example!10m',
      'mailto:r@missing.example',
      'mailto:r2@missing.example',
      'mailto:r@fail.example?subject=dmarc',
      'mailto:r@wrong.example',
      'https://reports.example/dmarc',
    ].join(',');
    const zone: FakeZone = {
      '_dmarc.x.test': txt('_dmarc.x.test', record(rua)),
      'x.test._report._dmarc.ok.example': txt('x.test._report._dmarc.ok.example', 'v=DMARC1'),
      'x.test._report._dmarc.fail.example': 'SERVFAIL',
      // A TXT record there that is not DMARC's does not say yes.
      'x.test._report._dmarc.wrong.example': txt('x.test._report._dmarc.wrong.example', 'google-site-verification=1'),
    };
    const resolver = new FakeResolver(zone);
    const result = await checkDmarc('x.test', resolver, bounds);
    expect(result).toMatchObject({ status: 'valid', policy: 'reject' });
    // A failed question says nothing either way: not listed.
    expect(result.ruaUnauthorized).toEqual(['mailto:r@missing.example', 'mailto:r2@missing.example', 'mailto:r@wrong.example']);
    // The destinations of the domain's own organization, and other schemes, are not asked about; each destination once.
    expect(resolver.questions.map((q) => q.name).sort()).toEqual([
      '_dmarc.x.test',
      'x.test._report._dmarc.fail.example',
      'x.test._report._dmarc.missing.example',
      'x.test._report._dmarc.ok.example',
      'x.test._report._dmarc.wrong.example',
    ]);
  });

  it('has no field when every destination takes the reports or is the domain’s own', async () => {
    const resolver = new FakeResolver({
      '_dmarc.x.test': txt('_dmarc.x.test', record('mailto:d@x.test,mailto:r@ok.example')),
      // RFC 7489 7.1: a wildcard says yes for every domain; the resolver synthesizes it as the name asked.
      'x.test._report._dmarc.ok.example': txt('x.test._report._dmarc.ok.example', 'v=DMARC1;'),
    });
    const result = await checkDmarc('x.test', resolver, bounds);
    expect(result.status).toBe('valid');
    expect(result).not.toHaveProperty('ruaUnauthorized');
  });

  it('an inherited record is asked about for the organizational domain that published it', async () => {
    const resolver = new FakeResolver({
      '_dmarc.example.co.uk': txt('_dmarc.example.co.uk', record('mailto:r@vendor.example')),
    });
    const result = await checkDmarc('mail.example.co.uk', resolver, bounds);
    expect(result.ruaUnauthorized).toEqual(['mailto:r@vendor.example']);
    expect(resolver.questions.at(-1)?.name).toBe('example.co.uk._report._dmarc.vendor.example');
  });

  it('asks about at most dmarcMaxReportDestinations destinations; 0 asks nothing', async () => {
    const rua = Array.from({ length: 10 }, (_, i) => `mailto:r@d${i}.example`).join(',');
    const resolver = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', record(rua)) });
    const result = await checkDmarc('x.test', resolver, { ...bounds, dmarcMaxReportDestinations: 3 });
    expect(result.ruaUnauthorized).toEqual(['mailto:r@d0.example', 'mailto:r@d1.example', 'mailto:r@d2.example']);
    expect(resolver.questions).toHaveLength(4);
    const none = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', record(rua)) });
    expect(await checkDmarc('x.test', none, { ...bounds, dmarcMaxReportDestinations: 0 })).not.toHaveProperty('ruaUnauthorized');
    expect(none.questions).toHaveLength(1);
  });

  it('a consent name longer than DNS allows is not asked: no receiver could find a consent there', async () => {
    const label = 'a'.repeat(60);
    const domain = `${label}.${label}.${label}.test`;
    const rua = `mailto:r@${label}.${label}.${label}.example`;
    const resolver = new FakeResolver({ [`_dmarc.${domain}`]: txt(`_dmarc.${domain}`, record(rua)) });
    expect((await checkDmarc(domain, resolver, bounds)).ruaUnauthorized).toEqual([rua]);
    expect(resolver.questions).toHaveLength(1);
  });

  it('a destination that is not a domain name is not asked about', async () => {
    const rua = ['mailto:r@bad_name.example', 'mailto:no-at-sign', 'mailto:r@%zz', `mailto:r@${'a'.repeat(70)}.example`].join(
      ',',
    );
    const resolver = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', record(rua)) });
    const result = await checkDmarc('x.test', resolver, bounds);
    expect(result.status).toBe('valid');
    expect(result).not.toHaveProperty('ruaUnauthorized');
    expect(resolver.questions).toHaveLength(1);
  });
});
