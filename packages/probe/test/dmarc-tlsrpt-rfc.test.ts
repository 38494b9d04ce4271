import { describe, expect, it } from 'vitest';
import { checkDmarc, checkTlsRpt, defaultsOf, parseDmarcRecord, parseTlsRptRecord, POLICY_BOUNDS } from '@mxv/probe';
import { FakeResolver, txt } from './fake-txt-resolver.js';

/** Points of RFC 7489 (DMARC) and RFC 8460 (TLS-RPT) that an audit found mishandled, one table each. */
const bounds = defaultsOf(POLICY_BOUNDS);

describe('DMARC record selection (RFC 7489 6.4 dmarc-version, 6.6.3 steps 1-2)', () => {
  it.each([
    // Blanks before ";" and before the tag: OpenDMARC takes these (apps/cli/test/interop-dmarc.test.ts).
    ['v=DMARC1 ; p=quarantine', 'quarantine'],
    [' v=DMARC1; p=reject', 'reject'],
  ])('%j is the record at _dmarc.<domain>', async (record, policy) => {
    const resolver = new FakeResolver({
      '_dmarc.mail.example.com': txt('_dmarc.mail.example.com', record),
      '_dmarc.example.com': txt('_dmarc.example.com', 'v=DMARC1; p=none'),
    });
    expect(await checkDmarc('mail.example.com', resolver, bounds)).toMatchObject({
      status: 'valid',
      record,
      policy,
      foundAt: '_dmarc.mail.example.com',
    });
    expect(resolver.questions).toHaveLength(1);
  });

  // The ABNF allows *WSP around "=", and these are plainly meant as DMARC records, but OpenDMARC
  // only takes a record that begins v=DMARC1 exactly: broken (version_format), found where they are,
  // so neither "none" nor the organizational domain's record.
  it.each(['v = DMARC1; p=reject', 'v =DMARC1;p=reject;', 'v=dmarc1; p=reject', 'V=DMARC1; p=none'])(
    '%j is the record at _dmarc.<domain>, invalid: version_format',
    async (record) => {
      const resolver = new FakeResolver({
        '_dmarc.mail.example.com': txt('_dmarc.mail.example.com', record),
        '_dmarc.example.com': txt('_dmarc.example.com', 'v=DMARC1; p=none'),
      });
      expect(await checkDmarc('mail.example.com', resolver, bounds)).toMatchObject({
        status: 'invalid',
        error: 'version_format',
        record,
        policy: null,
        foundAt: '_dmarc.mail.example.com',
      });
      expect(resolver.questions).toHaveLength(1);
    },
  );

  it.each(['v=DMARC10; p=reject', 'v=DMARC1p=reject', 'x=1; v=DMARC1; p=reject', 'v=spf1 -all'])(
    '%j is not a DMARC record: none',
    async (record) => {
      const resolver = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', record) });
      expect(await checkDmarc('x.test', resolver, bounds)).toMatchObject({ status: 'none', policy: null });
    },
  );
});

describe('DMARC without a usable p or sp but with a reporting URI (RFC 7489 6.6.3 step 6)', () => {
  it.each([
    ['v=DMARC1; rua=mailto:d@x.test', 'policy_missing'],
    ['v=DMARC1; p=block; rua=mailto:d@x.test', 'policy_invalid'],
    ['v=DMARC1; p=reject; sp=all; rua=mailto:d@x.test', 'sp_invalid'],
    // "at least one syntactically valid reporting URI" is enough.
    ['v=DMARC1; rua=d@x.test,mailto:d@x.test', 'policy_missing'],
  ])('%j: receivers act as if p=none (still %s)', async (record, error) => {
    expect(parseDmarcRecord(record)).toEqual({ status: 'invalid', error, appliedPolicy: 'none' });
    const resolver = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', record) });
    expect(await checkDmarc('x.test', resolver, bounds)).toMatchObject({ status: 'invalid', policy: 'none', error, record });
  });

  it.each([
    ['v=DMARC1', 'policy_missing'],
    ['v=DMARC1; rua=d@x.test', 'policy_missing'],
    ['v=DMARC1; p=block; rua=mailto:', 'policy_invalid'],
  ])('%j: without a valid URI there is no DMARC processing (policy null)', async (record, error) => {
    expect(parseDmarcRecord(record)).toEqual({ status: 'invalid', error });
    const resolver = new FakeResolver({ '_dmarc.x.test': txt('_dmarc.x.test', record) });
    expect(await checkDmarc('x.test', resolver, bounds)).toMatchObject({ status: 'invalid', policy: null, error });
  });
});

describe('DMARC report URIs (RFC 7489 6.3 rua: "Any valid URI can be specified")', () => {
  it.each([
    ['v=DMARC1; p=reject; rua=mailto:a@x.test,ftp://r.x.test/dmarc', ['mailto:a@x.test', 'ftp://r.x.test/dmarc']],
    ['v=DMARC1; p=reject; rua=mailto:a@x.test!10m , https://r.x.test/d', ['mailto:a@x.test!10m', 'https://r.x.test/d']],
  ])('%j is valid', (record, rua) => {
    expect(parseDmarcRecord(record)).toMatchObject({ status: 'ok', policy: 'reject', rua });
  });

  it.each(['v=DMARC1; p=reject; rua=1x:a', 'v=DMARC1; p=reject; rua=mail to:a@x.test', 'v=DMARC1; p=reject; rua=:a'])(
    '%j has no URI: rua_invalid',
    (record) => {
      expect(parseDmarcRecord(record)).toEqual({ status: 'invalid', error: 'rua_invalid' });
    },
  );
});

describe('TLS-RPT extension fields (RFC 8460 3 tlsrpt-ext-name)', () => {
  it.each([
    'v=TLSRPTv1; rua=mailto:t@x.test; x-vendor=1',
    'v=TLSRPTv1; rua=mailto:t@x.test; ext.name=yes',
    'v=TLSRPTv1; 9ext=1; rua=mailto:t@x.test',
  ])('%j is valid', async (record) => {
    expect(parseTlsRptRecord(record)).toEqual({ status: 'ok', rua: ['mailto:t@x.test'] });
    const resolver = new FakeResolver({ '_smtp._tls.x.test': txt('_smtp._tls.x.test', record) });
    expect(await checkTlsRpt('x.test', resolver, bounds)).toEqual({ status: 'valid', rua: ['mailto:t@x.test'], error: null });
  });

  it.each([
    [`v=TLSRPTv1; rua=mailto:t@x.test; ${'a'.repeat(33)}=1`, 'syntax'],
    ['v=TLSRPTv1; rua=mailto:t@x.test; -x=1', 'syntax'],
    ['v=TLSRPTv1; rua=mailto:t@x.test; rua=mailto:u@x.test', 'syntax'],
  ])('%j is invalid (%s)', (record, error) => {
    expect(parseTlsRptRecord(record)).toEqual({ status: 'invalid', error });
  });
});
