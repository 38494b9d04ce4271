import type { CheckName } from '@mxv/schema';
import {
  CHECK_NAMES,
  DANE_BOUNDS,
  describeBound,
  DNS_BOUNDS,
  HELO_NAME,
  isHeloName,
  IP_FAMILIES,
  MAX_DNSBL_ZONES,
  POLICY_BOUNDS,
  POLITENESS_BOUNDS,
  REPUTATION_BOUNDS,
  ROUTE_BOUNDS,
  SMTP_BOUNDS,
  type IpFamily,
  type NumberBound,
} from './bounds.js';
import { checkDnsblZone } from './reputation/dnsbl-zone.js';
import { defaultTlsMode, MAX_PORTS, RELAY_PORT, type ProbePort } from './port-list.js';

/**
 * Every timeout and size bound of the engine, named, with its default (written
 * once, in bounds.ts, with the reason for each). Validated once
 * (readProbeOptions); everything below receives the parsed, complete object.
 *
 * Plain code rather than zod, on purpose: this module is on the path of every
 * `mxv check`, and zod alone is 95 module files to load (bench/startup). The
 * rules are the bounds tables' own (range, whole or not), read by one loop.
 */

/** The values of a table of bounds, as the options object they describe. */
export type BoundValues<T extends Record<string, NumberBound>> = { [K in keyof T]: number };

export type SmtpBounds = BoundValues<typeof SMTP_BOUNDS> & { heloName: string };
export type DnsBounds = BoundValues<typeof DNS_BOUNDS>;
export type RouteBounds = BoundValues<typeof ROUTE_BOUNDS>;
export type DaneBounds = BoundValues<typeof DANE_BOUNDS>;
export type ReputationBoundsOptions = BoundValues<typeof REPUTATION_BOUNDS>;
export type Politeness = BoundValues<typeof POLITENESS_BOUNDS>;
export type PolicyBounds = BoundValues<typeof POLICY_BOUNDS>;

export interface ProbeOptions {
  /** Recursive resolvers, "host" or "host:port" or "[v6]:port"; empty means the system's. */
  dnsServers: string[];
  /** CIDR ranges that may be probed although private, loopback or reserved. */
  allowNet: string[];
  /**
   * Whether this machine's own interface addresses, public ones included, are blocked too
   * (`own_address`) unless allowNet covers them. Off by default: the contract's guard is the
   * special-purpose ranges, and a mail server's administrator checks it from the server itself.
   * A fleet worker turns it on: whoever asks the public API chooses the MX and webhook URLs.
   */
  blockOwnAddresses: boolean;
  /**
   * The IP versions mail hosts are probed over (4, 6 or both: the default). An address of the other
   * version is listed and not connected to (`ip_family_not_probed`), as an MTA with
   * `inet_protocols = ipv4` skips AAAA: on a network without IPv6 every IPv6 host would read unreachable.
   */
  ipFamilies: IpFamily[];
  smtp: SmtpBounds;
  dns: DnsBounds;
  route: RouteBounds;
  politeness: Politeness;
  dane: DaneBounds;
  policy: PolicyBounds;
  reputation: ReputationBoundsOptions;
  /**
   * DNS block lists each mail host's address is looked up in (CONTRACT: --dnsbl, RFC 5782),
   * canonical and each once; none by default: public lists refuse public resolvers and want a data feed at volume.
   */
  dnsbl: string[];
  /** Which checks run besides the mail route (CONTRACT: --checks); all by default. */
  checks: CheckName[];
  /**
   * Ports probed on each mail host, the first being the delivery port the
   * verdict is computed over (CONTRACT: --ports). Given none: `smtp.port` alone,
   * in its default mode (465 implicit TLS, any other STARTTLS).
   */
  ports: ProbePort[];
  /**
   * `socks5://[user:pass@]host:port` (CONTRACT: --proxy): every SMTP connection
   * goes through it. Parsed (and refused with a reason that never repeats the
   * credentials) by createEngineParts, like the resolvers.
   */
  proxy: string | null;
}

/** What a caller may give: any part left out takes its default. */
export interface ProbeOptionsInput {
  dnsServers?: readonly string[];
  allowNet?: readonly string[];
  blockOwnAddresses?: boolean;
  ipFamilies?: readonly IpFamily[];
  smtp?: Partial<SmtpBounds>;
  dns?: Partial<DnsBounds>;
  route?: Partial<RouteBounds>;
  politeness?: Partial<Politeness>;
  dane?: Partial<DaneBounds>;
  policy?: Partial<PolicyBounds>;
  reputation?: Partial<ReputationBoundsOptions>;
  dnsbl?: readonly string[];
  checks?: readonly CheckName[];
  ports?: readonly ProbePort[] | undefined;
  proxy?: string | null;
}

export type ProbeOptionsRead = { status: 'ok'; options: ProbeOptions } | { status: 'invalid'; reason: string };

/** Thrown by parseProbeOptions; `reason` names the option ("smtp.hostBudgetMs: ..."). */
export class InvalidProbeOptionsError extends Error {
  constructor(readonly reason: string) {
    super(`invalid probe options: ${reason}`);
    this.name = 'InvalidProbeOptionsError';
  }
}

/** Options from a caller's input, every default filled in, or the first reason they are not valid. */
export function readProbeOptions(input: ProbeOptionsInput = {}): ProbeOptionsRead {
  try {
    return { status: 'ok', options: completeOptions(input) };
  } catch (error) {
    if (error instanceof InvalidOption) return { status: 'invalid', reason: error.message };
    throw error;
  }
}

/** readProbeOptions for callers whose input is known good (tests, defaults): throws on invalid input. */
export function parseProbeOptions(input: ProbeOptionsInput = {}): ProbeOptions {
  const read = readProbeOptions(input);
  if (read.status === 'invalid') throw new InvalidProbeOptionsError(read.reason);
  return read.options;
}

/**
 * One table of bounds from a caller's partial values: the defaults, with each
 * given value checked against its range. Throws, naming the value, when one is
 * out of range: for values the caller knows are good (tests, flags already
 * checked); input from outside goes through readProbeOptions, which answers instead.
 */
export function boundValues<T extends Record<string, NumberBound>>(
  table: T,
  given: Partial<Record<keyof T, unknown>> | undefined = {},
  path = '',
): BoundValues<T> {
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new InvalidOption(`${path || 'bounds'}: expected an object`);
  const out: Record<string, number> = {};
  for (const [key, bound] of Object.entries(table)) {
    const value = (given as Record<string, unknown>)[key];
    out[key] = value === undefined ? bound.default : checkedNumber(value, bound, path ? `${path}.${key}` : key);
  }
  return out as BoundValues<T>;
}

function checkedNumber(value: unknown, bound: NumberBound, name: string): number {
  const inRange =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (bound.integer === false || Number.isInteger(value)) &&
    (bound.minExclusive ? value > bound.min : value >= bound.min) &&
    value <= bound.max;
  if (!inRange) throw new InvalidOption(`${name}: expected ${describeBound(bound)}, got ${shown(value)}`);
  return value;
}

/** An input error, caught by readProbeOptions and turned into its `invalid` answer. */
class InvalidOption extends Error {}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidOption(`${name}: expected true or false, got ${shown(value)}`);
  return value;
}

function completeOptions(input: ProbeOptionsInput): ProbeOptions {
  if (input === null || typeof input !== 'object') throw new InvalidOption('options: expected an object');
  const smtpGiven = input.smtp ?? {};
  const smtp: SmtpBounds = { ...boundValues(SMTP_BOUNDS, smtpGiven, 'smtp'), heloName: heloName(smtpGiven.heloName) };
  return {
    dnsServers: stringList(input.dnsServers, 'dnsServers'),
    allowNet: stringList(input.allowNet, 'allowNet'),
    blockOwnAddresses: flag(input.blockOwnAddresses, 'blockOwnAddresses'),
    ipFamilies: ipFamilies(input.ipFamilies),
    smtp,
    dns: boundValues(DNS_BOUNDS, input.dns, 'dns'),
    route: boundValues(ROUTE_BOUNDS, input.route, 'route'),
    politeness: boundValues(POLITENESS_BOUNDS, input.politeness, 'politeness'),
    dane: boundValues(DANE_BOUNDS, input.dane, 'dane'),
    policy: boundValues(POLICY_BOUNDS, input.policy, 'policy'),
    reputation: boundValues(REPUTATION_BOUNDS, input.reputation, 'reputation'),
    dnsbl: dnsblZones(input.dnsbl),
    checks: checkNames(input.checks),
    ports: input.ports === undefined ? [{ port: smtp.port, tlsMode: defaultTlsMode(smtp.port) }] : portList(input.ports),
    proxy: proxy(input.proxy),
  };
}

function ipFamilies(value: unknown): IpFamily[] {
  if (value === undefined) return [...IP_FAMILIES];
  if (!Array.isArray(value) || value.length === 0 || !value.every((entry) => IP_FAMILIES.includes(entry as IpFamily)))
    throw new InvalidOption(`ipFamilies: expected one or both of ${IP_FAMILIES.join(', ')}, got ${shown(value)}`);
  return IP_FAMILIES.filter((family) => (value as unknown[]).includes(family));
}

function heloName(value: unknown): string {
  if (value === undefined) return HELO_NAME.default;
  if (typeof value !== 'string' || !isHeloName(value))
    throw new InvalidOption(
      `smtp.heloName: expected a domain or address literal ([192.0.2.1]), at most ${HELO_NAME.maxChars} characters, got ${shown(value)}`,
    );
  return value;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string'))
    throw new InvalidOption(`${name}: expected a list of strings`);
  return [...(value as string[])];
}

function dnsblZones(value: unknown): string[] {
  const zones = stringList(value, 'dnsbl');
  if (zones.length > MAX_DNSBL_ZONES) throw new InvalidOption(`dnsbl: at most ${MAX_DNSBL_ZONES} zones, got ${zones.length}`);
  const canonical: string[] = [];
  for (const [index, raw] of zones.entries()) {
    const checked = checkDnsblZone(raw);
    if (checked.status === 'invalid') throw new InvalidOption(`dnsbl.${index}: ${checked.reason}`);
    canonical.push(checked.zone);
  }
  return [...new Set(canonical)];
}

function checkNames(value: unknown): CheckName[] {
  if (value === undefined) return [...CHECK_NAMES];
  const known = new Set<string>(CHECK_NAMES);
  const names = stringList(value, 'checks');
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined)
    throw new InvalidOption(`checks: unknown check ${shown(unknown)} (known: ${CHECK_NAMES.join(', ')})`);
  return names as CheckName[];
}

/** The ports of each host (port-list.ts says why each rule): at least one, at most MAX_PORTS, each port once, no implicit TLS on 25. */
function portList(value: unknown): ProbePort[] {
  if (!Array.isArray(value)) throw new InvalidOption('ports: expected a list of {port, tlsMode}');
  if (value.length < 1 || value.length > MAX_PORTS)
    throw new InvalidOption(`ports: expected 1 to ${MAX_PORTS} ports, got ${value.length}`);
  const ports: ProbePort[] = [];
  for (const [index, entry] of (value as unknown[]).entries()) {
    const { port, tlsMode } = (entry ?? {}) as { port?: unknown; tlsMode?: unknown };
    checkedNumber(port, SMTP_BOUNDS.port, `ports.${index}.port`);
    if (tlsMode !== 'starttls' && tlsMode !== 'implicit')
      throw new InvalidOption(`ports.${index}.tlsMode: expected "starttls" or "implicit", got ${shown(tlsMode)}`);
    ports.push({ port: port as number, tlsMode });
  }
  if (new Set(ports.map((p) => p.port)).size !== ports.length) throw new InvalidOption('ports: a port is listed twice');
  if (ports.some((p) => p.port === RELAY_PORT && p.tlsMode === 'implicit'))
    throw new InvalidOption('ports: port 25 is STARTTLS only');
  return ports;
}

function proxy(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidOption('proxy: expected a socks5:// URL or null');
  return value;
}

/**
 * A value as an error message shows it: short, and never a whole pasted blob.
 * Objects are named by kind only: their own toString (if any) is the caller's
 * code, and may throw or say anything.
 */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) return `a ${typeof value}`;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
