import { lookupDnsbl, type DnsblBounds, type DnsResolver } from '@mxv/probe';
import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/**
 * RFC 5782 5: every list lists 127.0.0.2 and does not list 127.0.0.1. A list
 * that fails them is down, misconfigured, or (127.255.255.x) refusing us, and
 * its answers about real addresses mean nothing. One check per list: `dnsbl:ZONE`.
 */
export async function checkDnsblHealth(zone: string, resolver: DnsResolver, bounds: DnsblBounds): Promise<DoctorCheck> {
  const name = `dnsbl:${zone}`;
  const [listed, clean] = await Promise.all([
    lookupDnsbl('127.0.0.2', zone, resolver, bounds),
    lookupDnsbl('127.0.0.1', zone, resolver, bounds),
  ]);
  const refused = [listed, clean].find((entry) => entry.reason === 'list_refused');
  if (refused)
    return doctorCheck(
      name,
      'fail',
      `the list refuses our queries (${refused.codes.join(',')}): use a resolver or feed it accepts`,
    );
  if (listed.status !== 'listed')
    return doctorCheck(
      name,
      'fail',
      `test point 127.0.0.2 not listed (${listed.status}${listed.reason ? `: ${listed.reason}` : ''})`,
    );
  if (clean.status !== 'not_listed')
    return doctorCheck(name, 'fail', `test point 127.0.0.1 is ${clean.status}: the list answers everything`);
  return doctorCheck(name, 'pass', `test points answer as RFC 5782 says (127.0.0.2 → ${listed.codes.join(',')})`);
}
