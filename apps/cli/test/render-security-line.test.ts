import { describe, expect, it } from 'vitest';
import { NO_SECURITY } from '@mxv/schema';
import { renderSecurityLine } from '../src/output/render-security-line.js';

const plain = { green: String, red: String, yellow: String, dim: String };

describe('the security line of the check table', () => {
  it('is absent when no policy check ran', () => {
    expect(renderSecurityLine({ security: NO_SECURITY }, plain)).toBeNull();
  });

  it('shows each mechanism that ran, compactly', () => {
    const line = renderSecurityLine(
      {
        security: {
          ...NO_SECURITY,
          mtaSts: { status: 'valid', id: '1', mode: 'enforce', mx: [], maxAge: 1, error: null },
          tlsRpt: { status: 'invalid', rua: [], error: 'rua_missing' },
          spf: { status: 'valid', record: 'v=spf1 -all', error: null, lookups: 4 },
          dmarc: { status: 'valid', record: 'v=DMARC1; p=none', policy: 'none', error: null },
        },
      },
      plain,
    );
    expect(line).toBe('  security  MTA-STS enforce · TLS-RPT invalid (rua_missing) · SPF ok (4 lookups) · DMARC p=none');
  });

  it('leaves out what was not asked for', () => {
    const line = renderSecurityLine(
      { security: { ...NO_SECURITY, spf: { status: 'permerror', record: null, error: 'multiple_records', lookups: null } } },
      plain,
    );
    expect(line).toBe('  security  SPF permerror (multiple_records)');
  });
});
