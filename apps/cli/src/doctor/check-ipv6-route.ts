import { machineHasIpv6Route } from '@mxv/probe';
import { NO_IPV6_WORDS } from '../options/no-ipv6-warning.js';
import { doctorCheck, type DoctorCheck } from './doctor-check.js';

/**
 * Whether this machine can reach IPv6 mail hosts, from its routing table (nothing is sent): without a
 * default IPv6 route every IPv6 host of a check reads unreachable, which is the checker's doing.
 */
export function checkIpv6Route(hasRoute: () => boolean | null = machineHasIpv6Route): DoctorCheck {
  const route = hasRoute();
  if (route === null) return doctorCheck('egress:ipv6', 'skip', 'the routing table cannot be read here (not Linux)');
  if (route) return doctorCheck('egress:ipv6', 'pass', 'a default IPv6 route: IPv6 mail hosts can be probed');
  return doctorCheck('egress:ipv6', 'warn', NO_IPV6_WORDS);
}
