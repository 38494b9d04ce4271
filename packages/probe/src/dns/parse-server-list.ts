import { getServers } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { DnsServerAddress } from './dns-types.js';

export const DEFAULT_DNS_PORT = 53;

export type ParsedDnsServer = { status: 'ok'; server: DnsServerAddress } | { status: 'invalid'; input: string; reason: string };
export type ParsedDnsServerList =
  { status: 'ok'; servers: DnsServerAddress[] } | { status: 'invalid'; input: string; reason: string };

function parsePort(
  text: string,
  input: string,
): { status: 'ok'; port: number } | { status: 'invalid'; input: string; reason: string } {
  if (!/^[0-9]{1,5}$/.test(text)) return { status: 'invalid', input, reason: `port "${text}" is not a number from 1 to 65535` };
  const port = Number(text);
  if (port < 1 || port > 65535) return { status: 'invalid', input, reason: `port ${port} is not from 1 to 65535` };
  return { status: 'ok', port };
}

function withHost(host: string, port: number, input: string): ParsedDnsServer {
  // Only address literals: a resolver given by name would need DNS to find DNS,
  // and that lookup would go through the system resolver we are meant to bypass.
  if (isIP(host) === 0)
    return { status: 'invalid', input, reason: `"${host}" is not an IPv4 or IPv6 address (a resolver must be given by address)` };
  return { status: 'ok', server: { host, port } };
}

/**
 * One resolver as people write it: "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:5353",
 * "[2001:db8::53]" or a bare IPv6 "2001:db8::53" (which has no room for a port).
 */
export function parseDnsServer(text: string): ParsedDnsServer {
  const input = text;
  const trimmed = text.trim();
  if (trimmed === '') return { status: 'invalid', input, reason: 'empty resolver address' };
  if (trimmed.startsWith('[')) {
    const match = /^\[([^\]]*)\](?::(.*))?$/.exec(trimmed);
    if (match === null) return { status: 'invalid', input, reason: 'expected "[IPv6]" or "[IPv6]:PORT"' };
    const host = match[1] ?? '';
    if (!isIPv6(host)) return { status: 'invalid', input, reason: `"${host}" in brackets is not an IPv6 address` };
    if (match[2] === undefined) return withHost(host, DEFAULT_DNS_PORT, input);
    const port = parsePort(match[2], input);
    return port.status === 'ok' ? withHost(host, port.port, input) : port;
  }
  if (isIPv6(trimmed)) return withHost(trimmed, DEFAULT_DNS_PORT, input);
  const colons = trimmed.split(':').length - 1;
  if (colons === 0) return withHost(trimmed, DEFAULT_DNS_PORT, input);
  if (colons > 1) return { status: 'invalid', input, reason: 'not an IPv6 address; write IPv6 with a port as "[IPv6]:PORT"' };
  const separator = trimmed.indexOf(':');
  const port = parsePort(trimmed.slice(separator + 1), input);
  return port.status === 'ok' ? withHost(trimmed.slice(0, separator), port.port, input) : port;
}

/** A comma-separated list (CONTRACT: --dns HOST[:PORT],... and MXV_DNS); the first bad entry makes it invalid. */
export function parseDnsServerList(text: string | readonly string[]): ParsedDnsServerList {
  const entries = typeof text === 'string' ? text.split(',') : text.flatMap((part) => part.split(','));
  const servers: DnsServerAddress[] = [];
  for (const entry of entries) {
    const parsed = parseDnsServer(entry);
    if (parsed.status === 'invalid') return { status: 'invalid', input: entry, reason: parsed.reason };
    servers.push(parsed.server);
  }
  if (servers.length === 0)
    return { status: 'invalid', input: typeof text === 'string' ? text : text.join(','), reason: 'no resolver given' };
  return { status: 'ok', servers };
}

/**
 * The system's recursive resolvers (resolv.conf on Unix). node:dns is used only
 * to read that configuration; no question is ever sent through c-ares.
 */
export function systemDnsServers(): DnsServerAddress[] {
  const servers: DnsServerAddress[] = [];
  for (const entry of getServers()) {
    const parsed = parseDnsServer(entry);
    if (parsed.status === 'ok') servers.push(parsed.server);
  }
  return servers;
}
