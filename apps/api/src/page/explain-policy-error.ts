/**
 * The machine-readable errors of the mail security policies (MTA-STS, TLS-RPT,
 * SPF, DMARC) in plain words for the lookup page: what is wrong and what to do.
 * An error not listed here (a newer mxv) is shown as its code alone.
 */
const WORDS: Record<string, string> = {
  // The TXT record itself.
  txt_multiple: 'There is more than one MTA-STS TXT record; senders then use none. Keep exactly one.',
  txt_syntax: 'The TXT record is not of the form v=STSv1; id=…;.',
  txt_id: 'The id of the TXT record must be 1 to 32 letters and digits.',
  txt_too_many: 'The name has more TXT records than mxv reads; most of them are probably stale.',
  txt_too_long: 'The record is longer than mxv reads (and longer than most receivers accept).',
  multiple_records: 'There is more than one record of this kind; receivers then use none. Keep exactly one.',
  // Fetching the policy.
  blocked_address:
    "The policy host has only private or reserved addresses, which a public sender cannot reach (or only addresses of an IP version this checker does not probe: --ip-families, or the checker's own addresses, which it does not connect to).",
  fetch_timeout:
    "The policy host did not send the whole policy within mxv's limit (10 s by default). RFC 8461 3.3 asks it to answer within a minute, and some senders wait that long; most give up sooner.",
  fetch_http_malformed: "The policy host's answer is not valid HTTP/1.1.",
  fetch_content_encoding:
    'The policy was sent compressed in a way mxv cannot read (only gzip and deflate are decoded, as the HTTP clients of senders decode them), or the compressed data is broken. Serve it uncompressed.',
  fetch_failed: 'Fetching the policy failed for a reason mxv does not classify.',
  fetch_redirect: 'The policy host answered with a redirect; senders must not follow it (RFC 8461 3.3). Serve the file itself.',
  fetch_content_type: 'The policy was not served as text/plain.',
  fetch_too_large: 'The policy is larger than 64 KiB.',
  fetch_headers_too_large: 'The HTTP headers of the policy answer are too large.',
  fetch_tls_untrusted: 'The certificate of the policy host is not signed by a trusted authority.',
  fetch_tls_name_mismatch: 'The certificate of the policy host does not cover its name (mta-sts.<domain>).',
  fetch_tls_expired: 'The certificate of the policy host has expired.',
  fetch_tls_not_yet_valid: 'The certificate of the policy host is not valid yet.',
  fetch_tls_weak_key:
    'A certificate of the policy host has a key too small for OpenSSL security level 2 (RSA under 2048 bits, curves under 224), the default of Debian, Ubuntu and RHEL, where MTA-STS resolvers run: they refuse it. Use a 2048-bit RSA or an EC key.',
  fetch_tls_weak_signature:
    'A certificate of the policy host is signed with SHA-1 or MD5, which senders refuse when they verify it (OpenSSL 3, Postfix, GnuTLS): have it issued again, signed with SHA-256.',
  fetch_tls_failed: 'The TLS handshake with the policy host failed.',
  fetch_connect_refused: 'The policy host refused the HTTPS connection.',
  fetch_connect_unreachable: 'The policy host could not be reached.',
  fetch_connection_reset: 'The policy host closed the connection before the policy was complete.',
  fetch_dns_nxdomain: 'The policy host name (mta-sts.<domain>) does not exist.',
  fetch_dns_nodata: 'The policy host name (mta-sts.<domain>) has no address.',
  // The policy file.
  policy_syntax: 'The policy file is not a list of "key: value" lines (or holds control bytes).',
  policy_version: 'The policy file does not start with version: STSv1.',
  policy_mode: 'The policy mode must be enforce, testing or none.',
  policy_max_age: 'The max_age of the policy is missing or over a year.',
  policy_mx_missing: 'The policy lists no mx pattern.',
  policy_mx_invalid: 'An mx pattern of the policy is not a host name (a wildcard may only be the whole first label).',
  // TLS-RPT.
  rua_missing: 'The record has no rua= (where reports go).',
  rua_invalid: 'A report address (rua=) is not a URI; TLS-RPT takes only mailto: and https: ones.',
  syntax: 'The record does not follow the tag=value; syntax, or does not start with its version tag.',
  // SPF.
  too_many_lookups:
    'Evaluating the record takes more than 10 DNS lookups (RFC 7208 4.6.4): receivers answer permerror. Flatten includes.',
  too_many_void_lookups:
    'More than two of its lookups find nothing (a name that does not exist, an a: name without an IPv4 address, an MX host without one): receivers stop with a permerror (RFC 7208 4.6.4).',
  include_loop: 'An include leads back to a record already being evaluated.',
  redirect_loop: 'A redirect leads back to a record already being evaluated.',
  include_none: 'An included domain publishes no SPF record.',
  redirect_none: 'The redirect= domain publishes no SPF record.',
  include_multiple_records: 'An included domain publishes more than one SPF record.',
  include_too_deep: 'Includes are nested too deeply.',
  question_limit: 'The record needs more DNS questions than mxv asks for one domain.',
  unknown_mechanism: 'The record has a mechanism SPF does not define.',
  bad_domain_spec: 'A mechanism names something that is not a domain.',
  bad_ip_network: 'An ip4:/ip6: network (or a prefix length) is malformed.',
  bad_macro: 'A macro (%{…}) is malformed.',
  duplicate_modifier: 'redirect= or exp= appears more than once.',
  too_many_mx_records: 'An mx mechanism names a domain with more than 10 MX records.',
  // DMARC.
  version_format:
    'The record does not begin exactly v=DMARC1 (a lower-case v, an upper-case DMARC1, no blank around =): receivers such as OpenDMARC do not see it as DMARC.',
  policy_missing: 'The record has no p= tag (with a valid rua= it is applied as p=none, RFC 7489 6.6.3).',
  policy_invalid: 'p= must be none, quarantine or reject.',
  sp_invalid: 'sp= must be none, quarantine or reject.',
  pct_invalid: 'pct= must be a whole number from 0 to 100.',
  adkim_invalid: 'adkim= must be r or s; receivers such as OpenDMARC ignore the whole record.',
  aspf_invalid: 'aspf= must be r or s; receivers such as OpenDMARC ignore the whole record.',
  fo_invalid: 'fo= must be 0, 1, d or s (several joined by :); receivers such as OpenDMARC ignore the whole record.',
  ri_invalid: 'ri= must be a number of seconds; receivers such as OpenDMARC ignore the whole record.',
  rf_invalid: 'rf= must name a report format (afrf); receivers may ignore the whole record (RFC 7489 6.3).',
};

export function explainPolicyError(error: string): string | null {
  if (WORDS[error] !== undefined) return WORDS[error];
  const proxyReply = /^fetch_proxy_refused:([345])$/.exec(error);
  if (proxyReply !== null)
    return `Through this checker's SOCKS5 proxy (--proxy), the policy host could not be reached or refused the connection (SOCKS5 reply ${proxyReply[1]}).`;
  if (error.startsWith('fetch_proxy_'))
    return "This checker's SOCKS5 proxy (--proxy), which the policy fetch goes through, failed: a problem of the checker, not of the domain.";
  if (error.startsWith('fetch_http_'))
    return `The policy host answered HTTP ${error.slice('fetch_http_'.length)} instead of 200.`;
  if (error.startsWith('dns_') || error.startsWith('txt_dns_') || error.startsWith('fetch_dns_')) {
    return 'A DNS question for this record failed; receivers retry later.';
  }
  return null;
}
