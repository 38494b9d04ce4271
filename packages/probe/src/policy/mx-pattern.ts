/**
 * MTA-STS `mx` patterns (RFC 8461 3.2, 4.1): a host name, or `*.` followed by
 * one, the wildcard standing for exactly one whole leftmost label
 * (`*.example.com` matches `mx1.example.com`, not `example.com` nor
 * `a.b.example.com`). Names compare case-insensitively, without a trailing dot.
 */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function isValidMxPattern(pattern: string): boolean {
  const name = canonical(pattern.startsWith('*.') ? pattern.slice(2) : pattern);
  if (name === '' || name.length > 253) return false;
  // A "*" anywhere else (or a partial-label wildcard like "mx*.example.com") is not a pattern.
  return name.split('.').every((label) => LABEL.test(label));
}

export function mxPatternMatches(pattern: string, exchange: string): boolean {
  const host = canonical(exchange);
  const wanted = canonical(pattern);
  if (!wanted.startsWith('*.')) return host === wanted;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === wanted.slice(2);
}

export function exchangeMatchesPolicy(patterns: readonly string[], exchange: string): boolean {
  return patterns.some((pattern) => mxPatternMatches(pattern, exchange));
}
