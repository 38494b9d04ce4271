import type { HostResult, SecuritySection } from '@mxv/schema';

/**
 * `security.dane` over the domain's hosts (those DANE said something about):
 * - fail: some host with secure TLSA failed, or its TLSA lookup failed (a
 *   sender could not deliver to it, RFC 7672 2.2);
 * - pass: otherwise, when at least one host passed;
 * - not_applicable: otherwise, when some host has TLSA records that are not secure;
 * - none: no host has TLSA records;
 * - null: no host to judge (no route, or none reached).
 */
export function aggregateDane(hosts: readonly Pick<HostResult, 'dane'>[]): SecuritySection['dane'] {
  const statuses = new Set(hosts.flatMap((host) => (host.dane ? [host.dane.status] : [])));
  if (statuses.size === 0) return null;
  if (statuses.has('fail') || statuses.has('dns_error')) return 'fail';
  if (statuses.has('pass')) return 'pass';
  if (statuses.has('not_applicable')) return 'not_applicable';
  return 'none';
}
