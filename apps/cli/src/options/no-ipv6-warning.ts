import { machineHasIpv6Route } from '@mxv/probe';

/** The words for a checker that probes IPv6 without a route for it: its IPv6 "unreachable" hosts are its own doing. */
export const NO_IPV6_WORDS =
  'this machine has no IPv6 route, so IPv6 mail hosts read unreachable without being tried; --ip-families 4 (MXV_IP_FAMILIES=4) lists them as not probed instead';

/**
 * The line a probing command prints (check on stderr after a run that met IPv6 hosts it could not reach, the
 * worker in its log at start) when IPv6 is probed and the machine has no default IPv6 route. Null otherwise,
 * and where the routing table cannot be read (not Linux).
 */
export function noIpv6Warning(
  ipFamilies: readonly number[] | undefined,
  hasRoute: () => boolean | null = machineHasIpv6Route,
): string | null {
  if (ipFamilies !== undefined && !ipFamilies.includes(6)) return null;
  return hasRoute() === false ? NO_IPV6_WORDS : null;
}
