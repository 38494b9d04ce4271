import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type * as IpAddr from 'ipaddr.js';

// CommonJS, so required rather than imported: see dns/dns-query.ts (start-up time).
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr;

type IPv4 = IpAddr.IPv4;
type IPv6 = IpAddr.IPv6;
type Address = IPv4 | IPv6;

export type AddressCheck = { status: 'allowed' } | { status: 'blocked'; range: string };

/** The SSRF guard: which addresses the probe may connect to (CONTRACT: --allow-net). */
export interface AddressPolicy {
  check(ip: string): AddressCheck;
}

export type AddressPolicySetup = { status: 'ok'; policy: AddressPolicy } | { status: 'invalid'; reason: string; entry: string };

interface NamedRange<A extends Address> {
  name: string;
  cidr: string;
  network: A;
  prefix: number;
}

function v4(name: string, cidr: string): NamedRange<IPv4> {
  const [network, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  return { name, cidr, network, prefix };
}

function v6(name: string, cidr: string): NamedRange<IPv6> {
  const [network, prefix] = ipaddr.IPv6.parseCIDR(cidr);
  return { name, cidr, network, prefix };
}

/**
 * IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates), plus
 * multicast (RFC 5771) and the reserved class E block (RFC 1112 4). Every entry
 * that is not "globally reachable" is here; more specific entries come first so
 * the reported range is the most precise one. The few globally reachable
 * exceptions inside 192.0.0.0/24 (192.0.0.9, 192.0.0.10) are anycast services,
 * never mail hosts, so the whole /24 stays blocked.
 */
const BLOCKED_V4: readonly NamedRange<IPv4>[] = [
  v4('this-network', '0.0.0.0/8'), // RFC 791 3.2
  v4('private-use', '10.0.0.0/8'), // RFC 1918
  v4('shared-address-space', '100.64.0.0/10'), // RFC 6598 (carrier-grade NAT)
  v4('loopback', '127.0.0.0/8'), // RFC 1122 3.2.1.3
  v4('link-local', '169.254.0.0/16'), // RFC 3927
  v4('private-use', '172.16.0.0/12'), // RFC 1918
  v4('ietf-protocol-assignments', '192.0.0.0/24'), // RFC 6890 2.1
  v4('documentation', '192.0.2.0/24'), // RFC 5737 TEST-NET-1
  v4('as112', '192.31.196.0/24'), // RFC 7535
  v4('amt', '192.52.193.0/24'), // RFC 7450
  v4('6to4-relay-anycast', '192.88.99.0/24'), // RFC 7526 (deprecated)
  v4('private-use', '192.168.0.0/16'), // RFC 1918
  v4('as112', '192.175.48.0/24'), // RFC 7534 direct delegation
  v4('benchmarking', '198.18.0.0/15'), // RFC 2544
  v4('documentation', '198.51.100.0/24'), // RFC 5737 TEST-NET-2
  v4('documentation', '203.0.113.0/24'), // RFC 5737 TEST-NET-3
  v4('multicast', '224.0.0.0/4'), // RFC 5771
  v4('limited-broadcast', '255.255.255.255/32'), // RFC 919 7
  v4('reserved', '240.0.0.0/4'), // RFC 1112 4
];

const NAT64_WELL_KNOWN = v6('nat64', '64:ff9b::/96');
const IPV4_COMPATIBLE = v6('ipv4-compatible', '::/96');
const SIX_TO_FOUR = v6('6to4', '2002::/16');
const GLOBAL_UNICAST = v6('global-unicast', '2000::/3');

/**
 * IANA IPv6 Special-Purpose Address Registry (RFC 6890) and the Address Space
 * registry. Decisions:
 * - 64:ff9b::/96 (RFC 6052 well-known NAT64 prefix) is judged by the IPv4 it
 *   embeds: RFC 6052 3.1 forbids it for non-global IPv4, and a NAT64 gateway
 *   would otherwise translate our connection to a private IPv4 address.
 * - 2002::/16 (6to4) is blocked entirely: anycast 6to4 is deprecated (RFC 7526),
 *   a mail host reachable only that way is broken anyway, and a relay would
 *   forward to whatever IPv4 is embedded, private ones included.
 * - 2001::/23 is blocked whole, although the registry lists a few global
 *   anycast services in it (PCP, AMT, AS112, ORCHIDv2, DRONE): none is a mail host.
 * - ::ffff:0:0/96 (IPv4-mapped) never reaches this table: it is judged as IPv4.
 */
const BLOCKED_V6: readonly NamedRange<IPv6>[] = [
  v6('unspecified', '::/128'), // RFC 4291 2.5.2
  v6('loopback', '::1/128'), // RFC 4291 2.5.3
  IPV4_COMPATIBLE, // RFC 4291 2.5.5.1 (deprecated)
  v6('nat64-local-use', '64:ff9b:1::/48'), // RFC 8215
  v6('discard-only', '100::/64'), // RFC 6666
  v6('ietf-protocol-assignments', '2001::/23'), // RFC 2928, incl. Teredo 2001::/32 (RFC 4380)
  v6('documentation', '2001:db8::/32'), // RFC 3849
  SIX_TO_FOUR, // RFC 3056
  v6('documentation', '3fff::/20'), // RFC 9637
  v6('srv6-sids', '5f00::/16'), // RFC 9602
  v6('unique-local', 'fc00::/7'), // RFC 4193
  v6('link-local', 'fe80::/10'), // RFC 4291 2.5.6
  v6('site-local', 'fec0::/10'), // RFC 3879 (deprecated)
  v6('multicast', 'ff00::/8'), // RFC 4291 2.7
];

function label(range: NamedRange<Address>): string {
  return `${range.name} ${range.cidr}`;
}

function inRange(address: Address, range: NamedRange<Address>): boolean {
  return address.kind() === range.network.kind() && address.match(range.network, range.prefix);
}

/**
 * ipaddr.js reads the deprecated "::a.b.c.d" (IPv4-compatible, RFC 4291 2.5.5.1)
 * as if it were "::ffff:a.b.c.d" (mapped), but the kernel connects to ::a.b.c.d.
 * So a dotted-quad tail is rewritten as two hex groups first; node:net has
 * already checked it is four decimal octets.
 */
function hexTail(text: string): string {
  const zoneAt = text.indexOf('%');
  const address = zoneAt >= 0 ? text.slice(0, zoneAt) : text;
  const zone = zoneAt >= 0 ? text.slice(zoneAt) : '';
  const match = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (match === null) return text;
  const high = (Number(match[2]) << 8) | Number(match[3]);
  const low = (Number(match[4]) << 8) | Number(match[5]);
  return `${match[1]}${high.toString(16)}:${low.toString(16)}${zone}`;
}

function parseOrNull(text: string): Address | null {
  const family = isIP(text);
  if (family === 0) return null;
  try {
    return ipaddr.parse(family === 6 ? hexTail(text) : text);
  } catch {
    return null;
  }
}

/**
 * Strict parsing: only the canonical textual forms (node:net's isIP: dotted-quad
 * decimal IPv4, RFC 4291 2.2 IPv6). ipaddr.js alone would also read "0x7f000001"
 * or "127.1" as 127.0.0.1; here such a string is unparsable, and so blocked.
 */
function parseStrict(ip: string): Address | null {
  const parsed = parseOrNull(ip);
  if (parsed === null) return null;
  // RFC 4291 2.5.5.2: a mapped address is the IPv4 host itself, for blocking and allowing alike.
  return parsed.kind() === 'ipv6' && (parsed as IPv6).isIPv4MappedAddress() ? (parsed as IPv6).toIPv4Address() : parsed;
}

function lastThirtyTwoBits(address: IPv6): IPv4 {
  const high = address.parts[6] ?? 0;
  const low = address.parts[7] ?? 0;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 address carries in a known, fixed position, if any. */
function embeddedIPv4(address: IPv6): IPv4 | null {
  if (inRange(address, NAT64_WELL_KNOWN) || inRange(address, IPV4_COMPATIBLE)) return lastThirtyTwoBits(address);
  if (inRange(address, SIX_TO_FOUR)) {
    // RFC 3056 2: 2002:V4ADDR::/48.
    const high = address.parts[1] ?? 0;
    const low = address.parts[2] ?? 0;
    return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  }
  return null;
}

function blockedV4(address: IPv4): string | null {
  const range = BLOCKED_V4.find((candidate) => inRange(address, candidate));
  return range ? label(range) : null;
}

function blockedByDefault(address: Address): string | null {
  if (address.kind() === 'ipv4') return blockedV4(address as IPv4);
  const v6address = address as IPv6;
  if (inRange(v6address, NAT64_WELL_KNOWN)) {
    const inner = blockedV4(lastThirtyTwoBits(v6address));
    return inner === null ? null : `${label(NAT64_WELL_KNOWN)} embedding ${inner}`;
  }
  const range = BLOCKED_V6.find((candidate) => inRange(v6address, candidate));
  if (range) return label(range);
  // Everything outside 2000::/3 is unassigned or reserved (IANA IPv6 Address Space).
  if (!inRange(v6address, GLOBAL_UNICAST)) return `not-global-unicast outside ${GLOBAL_UNICAST.cidr}`;
  return null;
}

/** The range name of an address of this machine's own network interfaces. */
export const OWN_ADDRESS = 'this-host';

/** This machine's interface addresses, as text: an address, or a CIDR range all of which is local. */
export type OwnAddressLister = () => readonly string[];

/**
 * The addresses of all of this machine's interfaces, the loopback interface
 * included: a load balancer's or an anycast service's public address often
 * sits there (direct server return). On the loopback interface the whole
 * prefix is local (Linux answers 9.9.9.77 for 9.9.9.1/24 on lo), so its
 * entries are ranges; on the others only the address itself is this machine.
 * Not seen: AnyIP routes (`ip route add local X/Y dev lo`), which no interface
 * lists. A system that will not list them (uv_interface_addresses fails in
 * some sandboxes) gives none: the special-purpose ranges are still blocked.
 */
export function systemOwnAddresses(): readonly string[] {
  let interfaces: ReturnType<typeof networkInterfaces>;
  try {
    interfaces = networkInterfaces();
  } catch {
    return [];
  }
  const addresses: string[] = [];
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) addresses.push(entry.internal && entry.cidr !== null ? entry.cidr : entry.address);
  }
  return addresses;
}

export interface AddressPolicyOptions {
  /** This machine's addresses, blocked too (OWN_ADDRESS): systemOwnAddresses, or a test's list. Default: none. */
  ownAddresses?: OwnAddressLister;
  /** How long a listing of the own addresses is used before it is read again (DHCP, SLAAC and failover change them). */
  ownAddressRefreshMs?: number;
  /** A monotonic clock in milliseconds: a wall clock stepped back would keep a stale listing. */
  now?: () => number;
}

export const DEFAULT_OWN_ADDRESS_REFRESH_MS = 30_000;

type AllowEntry = { network: Address; prefix: number };

/**
 * The own addresses and ranges that the special-purpose ranges do not already
 * block (a public address, or a documentation one in a lab), re-listed every
 * refreshMs. Matched as ranges, as allow entries are (covers): zone ids and
 * textual forms do not matter, and an own IPv4 address is also recognised
 * inside 64:ff9b::/96, where a NAT64 gateway would translate a connection back to it.
 */
class OwnAddresses {
  readonly #list: OwnAddressLister;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #ranges: readonly AllowEntry[] = [];
  #listedAt = Number.NEGATIVE_INFINITY;

  constructor(list: OwnAddressLister, refreshMs: number, now: () => number) {
    this.#list = list;
    this.#refreshMs = refreshMs;
    this.#now = now;
  }

  includes(address: Address): boolean {
    for (const range of this.#current()) if (covers(range, address)) return true;
    return false;
  }

  #current(): readonly AllowEntry[] {
    const now = this.#now();
    if (now - this.#listedAt < this.#refreshMs) return this.#ranges;
    const ranges: AllowEntry[] = [];
    for (const text of this.#list()) {
      const parsed = parseAllowEntry(text);
      if (parsed.status === 'ok' && blockedByDefault(parsed.allow.network) === null) ranges.push(parsed.allow);
    }
    this.#ranges = ranges;
    this.#listedAt = now;
    return ranges;
  }
}

function parseAllowEntry(entry: string): { status: 'ok'; allow: AllowEntry } | { status: 'invalid'; reason: string } {
  const text = entry.trim();
  if (text === '') return { status: 'invalid', reason: 'empty entry' };
  const slash = text.lastIndexOf('/');
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const address = parseOrNull(addressText);
  if (address === null) return { status: 'invalid', reason: `"${addressText}" is not an IPv4 or IPv6 address` };
  const maxPrefix = address.kind() === 'ipv4' ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      return { status: 'invalid', reason: `prefix length "${prefixText}" is not from 0 to ${maxPrefix}` };
    }
    prefix = Number(prefixText);
  }
  // A mapped range (::ffff:a.b.c.d/104) means that IPv4 range: mapped addresses are judged as IPv4.
  if (address.kind() === 'ipv6' && prefix >= 96 && (address as IPv6).isIPv4MappedAddress()) {
    return { status: 'ok', allow: { network: (address as IPv6).toIPv4Address(), prefix: prefix - 96 } };
  }
  return { status: 'ok', allow: { network: address, prefix } };
}

function covers(entry: AllowEntry, address: Address): boolean {
  if (address.kind() === entry.network.kind() && address.match(entry.network, entry.prefix)) return true;
  if (address.kind() !== 'ipv6' || entry.network.kind() !== 'ipv4') return false;
  const inner = embeddedIPv4(address as IPv6);
  return inner !== null && inner.match(entry.network, entry.prefix);
}

/**
 * Builds the policy once from --allow-net. Everything private, loopback,
 * link-local, multicast or otherwise reserved is blocked (CONTRACT), and, when
 * `ownAddresses` lists them, so are this machine's own interface addresses
 * (OWN_ADDRESS): a connection to its own public address reaches services that
 * a firewall hides from the internet only. An allow entry that covers the
 * address itself or the IPv4 address it embeds lifts either.
 */
export function createAddressPolicy(allowNet: readonly string[], options: AddressPolicyOptions = {}): AddressPolicySetup {
  const allows: AllowEntry[] = [];
  for (const entry of allowNet) {
    const parsed = parseAllowEntry(entry);
    if (parsed.status === 'invalid') return { status: 'invalid', reason: parsed.reason, entry };
    allows.push(parsed.allow);
  }
  const own = new OwnAddresses(
    options.ownAddresses ?? (() => []),
    options.ownAddressRefreshMs ?? DEFAULT_OWN_ADDRESS_REFRESH_MS,
    options.now ?? (() => performance.now()),
  );
  const policy: AddressPolicy = {
    check(ip: string): AddressCheck {
      const address = parseStrict(ip);
      if (address === null) return { status: 'blocked', range: 'unparsable' };
      if (allows.some((entry) => covers(entry, address))) return { status: 'allowed' };
      const range = blockedByDefault(address);
      if (range !== null) return { status: 'blocked', range };
      return own.includes(address) ? { status: 'blocked', range: OWN_ADDRESS } : { status: 'allowed' };
    },
  };
  return { status: 'ok', policy };
}

/** The range name of an address whose IP version is not probed (restrictIpFamilies). */
export const IP_FAMILY_NOT_PROBED = 'ip-family-not-probed';

/**
 * `policy`, with the addresses of an IP version outside `families` blocked too (range
 * IP_FAMILY_NOT_PROBED): a prober without IPv6 (most container networks) says it did not try, rather
 * than that every IPv6 host is unreachable. The version is the record's: an AAAA address is IPv6, an
 * IPv4-mapped one included, as the socket that would reach it is.
 */
export function restrictIpFamilies(policy: AddressPolicy, families: readonly (4 | 6)[]): AddressPolicy {
  if (families.includes(4) && families.includes(6)) return policy;
  return {
    check(ip: string): AddressCheck {
      const version = isIP(ip);
      if (version !== 0 && !families.includes(version as 4 | 6)) return { status: 'blocked', range: IP_FAMILY_NOT_PROBED };
      return policy.check(ip);
    },
  };
}

/** The host `error` of an address the policy blocked: the table and the page explain each differently. */
export function blockedAddressError(range: string): 'blocked_address' | 'ip_family_not_probed' | 'own_address' {
  if (range === IP_FAMILY_NOT_PROBED) return 'ip_family_not_probed';
  return range === OWN_ADDRESS ? 'own_address' : 'blocked_address';
}

export type AddressFamily = 'IPv4' | 'IPv6';

/**
 * The address families whose whole space --allow-net covers, alone or
 * together (0.0.0.0/0, ::/0, ::ffff:0:0/96, or 0.0.0.0/1 + 128.0.0.0/1): for
 * those the SSRF guard is off, which people must be told (it is easy to mean
 * "my lab network" and type a /0). Entries that do not parse are ignored here;
 * createAddressPolicy reports them.
 */
export function guardOffFamilies(allowNet: readonly string[]): AddressFamily[] {
  const spans: Record<AddressFamily, Array<[bigint, bigint]>> = { IPv4: [], IPv6: [] };
  for (const entry of allowNet) {
    const parsed = parseAllowEntry(entry);
    if (parsed.status === 'invalid') continue;
    const { network, prefix } = parsed.allow;
    const bits = network.kind() === 'ipv4' ? 32 : 128;
    const size = 1n << BigInt(bits - prefix);
    const start = (toBigInt(network) / size) * size;
    spans[network.kind() === 'ipv4' ? 'IPv4' : 'IPv6'].push([start, start + size]);
  }
  const families: AddressFamily[] = [];
  if (coversWhole(spans.IPv4, 1n << 32n)) families.push('IPv4');
  if (coversWhole(spans.IPv6, 1n << 128n)) families.push('IPv6');
  return families;
}

function toBigInt(address: Address): bigint {
  return address.toByteArray().reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

/** Whether half-open spans [start, end) together cover [0, total). */
function coversWhole(spans: Array<[bigint, bigint]>, total: bigint): boolean {
  let reached = 0n;
  for (const [start, end] of [...spans].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (start > reached) return false;
    if (end > reached) reached = end;
  }
  return reached >= total;
}
