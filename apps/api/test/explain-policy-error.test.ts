import { describe, expect, it } from 'vitest';
import { explainPolicyError } from '../src/page/explain-policy-error.js';

describe('explainPolicyError', () => {
  it('reads an HTTP status out of fetch_http_<code>', () => {
    expect(explainPolicyError('fetch_http_404')).toBe('The policy host answered HTTP 404 instead of 200.');
  });

  it('has its own words for the fetch errors that are not a status code', () => {
    expect(explainPolicyError('fetch_http_malformed')).toBe("The policy host's answer is not valid HTTP/1.1.");
    expect(explainPolicyError('fetch_content_encoding')).toMatch(/only gzip and deflate are decoded/);
    expect(explainPolicyError('fetch_failed')).not.toBeNull();
  });

  it('has words for every DMARC error the check gives', () => {
    const errors = ['version_format', 'syntax', 'policy_missing', 'policy_invalid', 'sp_invalid', 'pct_invalid', 'rua_invalid'];
    for (const error of [...errors, 'adkim_invalid', 'aspf_invalid', 'fo_invalid', 'ri_invalid', 'rf_invalid']) {
      expect(explainPolicyError(error), error).not.toBeNull();
    }
  });

  it("tells the checker's proxy failing from the policy host refusing through it", () => {
    expect(explainPolicyError('fetch_proxy_unreachable')).toMatch(/a problem of the checker, not of the domain/);
    expect(explainPolicyError('fetch_proxy_refused:2')).toMatch(/a problem of the checker, not of the domain/);
    expect(explainPolicyError('fetch_proxy_refused:5')).toMatch(/the policy host could not be reached or refused .*reply 5/);
  });

  it('leaves an unknown code to be shown as it is', () => {
    expect(explainPolicyError('some_future_error')).toBeNull();
  });
});
