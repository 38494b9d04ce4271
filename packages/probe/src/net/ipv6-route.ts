import { readFileSync } from 'node:fs';

/** Linux route flags (include/uapi/linux/route.h): the route is up; it rejects what it matches (an "unreachable" route). */
const RTF_UP = 0x0001;
const RTF_REJECT = 0x0200;
const DEFAULT_DESTINATION = '0'.repeat(32);

/**
 * Whether a Linux IPv6 routing table, as /proc/net/ipv6_route prints it (one
 * route a line: destination, prefix length, source, its prefix length, next
 * hop, metric, reference count, use count, flags, device), has a default route
 * that can carry a packet: ::/0, up, not a reject route, not on the loopback
 * device (the kernel's own unreachable default lives there).
 */
export function hasDefaultIpv6Route(table: string): boolean {
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[0] !== DEFAULT_DESTINATION || fields[1] !== '00') return false;
    const flags = Number.parseInt(fields[8] ?? '', 16);
    return Number.isInteger(flags) && (flags & RTF_UP) !== 0 && (flags & RTF_REJECT) === 0 && fields[9] !== 'lo';
  });
}

/**
 * Whether this machine can send to an IPv6 mail host at all, read from its
 * routing table without sending anything: true or false on Linux (no table:
 * IPv6 is off), null elsewhere (not known).
 */
export function machineHasIpv6Route(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): boolean | null {
  if (process.platform !== 'linux') return null;
  try {
    return hasDefaultIpv6Route(read('/proc/net/ipv6_route'));
  } catch {
    return false;
  }
}
