import { TRUST_PROXY_HOPS_BOUND, type TrustProxy } from '@mxv/api';
import { createAddressPolicy } from '@mxv/probe';
import { UsageError } from './usage-error.js';

/**
 * `--trust-proxy [HOPS|CIDR,...]`: how many proxies append to X-Forwarded-For
 * in front of the API, or their addresses. Bare `--trust-proxy` (the old
 * boolean) now means one hop: it used to trust every hop, which let a client
 * choose its own rate-limit key. Undefined: the flag was not given.
 */
export function trustProxyFlag(raw: string | boolean | undefined): TrustProxy | undefined {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return { hops: TRUST_PROXY_HOPS_BOUND.default };
  const text = raw.trim();
  const { min, max } = TRUST_PROXY_HOPS_BOUND;
  const usage = `--trust-proxy must be a hop count from ${min} to ${max} or proxy addresses/CIDR ranges like 10.0.0.0/8,fd00::/8`;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < min || hops > max) throw new UsageError(`${usage}, got "${raw}"`);
    return { hops };
  }
  const ranges = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (ranges.length === 0) throw new UsageError(`${usage}, got "${raw}"`);
  // The parser of --allow-net: one notion of an address range in the whole tool.
  const parsed = createAddressPolicy(ranges);
  if (parsed.status === 'invalid') throw new UsageError(`${usage}; "${parsed.entry}": ${parsed.reason}`);
  return { ranges };
}
