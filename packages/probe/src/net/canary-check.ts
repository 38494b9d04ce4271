import { isIP } from 'node:net';
import type { DnsResolver } from '../dns/dns-types.js';
import { followCnameChain } from '../dns/follow-cname-chain.js';
import { parseProbeOptions } from '../options.js';
import { SmtpConnection } from '../smtp/smtp-connection.js';
import { classifyError } from '../classify-error.js';
import type { Dialer } from './dialer.js';

/** A mail server known to answer (`--canary HOST[:PORT]`): if it cannot be reached, our egress is what is broken. */
export interface CanaryTarget {
  host: string;
  port: number;
}

export type CanaryParse = { status: 'ok'; canary: CanaryTarget } | { status: 'invalid'; reason: string };

/** `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6; the port defaults to 25 (the egress that matters). */
export function parseCanary(text: string): CanaryParse {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  let host: string;
  let portText: string | undefined;
  if (bracketed) [, host = '', portText] = bracketed;
  else if (isIP(trimmed) === 6) host = trimmed;
  else [host = '', portText] = trimmed.split(':', 2) as [string, string | undefined];
  if (host === '' || (isIP(host) === 0 && !/^[a-z0-9.-]+$/i.test(host)))
    return { status: 'invalid', reason: `"${text.slice(0, 80)}" is not HOST[:PORT]` };
  const port = portText === undefined ? 25 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    return { status: 'invalid', reason: `bad port in "${text.slice(0, 80)}"` };
  return { status: 'ok', canary: { host, port } };
}

/**
 * How a canary check went. `reachable`: a TCP connection and an SMTP reply
 * (whatever its code: a 554 greeting still proves the path works); `silent`:
 * connected but nothing said (a middlebox that accepts and holds); `unreachable`:
 * no connection at all; `unresolved`: the canary's name has no address.
 */
export type CanaryOutcome =
  | { status: 'reachable'; address: string; greeting: number; elapsedMs: number }
  | { status: 'silent'; address: string; reason: string }
  | { status: 'unreachable'; address: string; reason: string }
  | { status: 'unresolved'; reason: string };

export interface CanaryCheckOptions {
  dialer: Dialer;
  resolver: DnsResolver;
  connectTimeoutMs: number;
  greetingTimeoutMs: number;
  now?: () => number;
}

/** Connects to the canary (through the dialer: a proxy when one is configured) and waits for its greeting, then QUIT. */
export async function checkCanary(
  canary: CanaryTarget,
  options: CanaryCheckOptions,
  signal?: AbortSignal,
): Promise<CanaryOutcome> {
  const now = options.now ?? Date.now;
  const address = await addressOf(canary.host, options.resolver, signal);
  if (address === null) return { status: 'unresolved', reason: `${canary.host} has no address` };
  const started = now();
  const bounds = parseProbeOptions().smtp;
  const clock = {
    now,
    deadline: started + options.connectTimeoutMs + options.greetingTimeoutMs,
    ...(signal ? { signal } : {}),
  };
  const opened = await SmtpConnection.open({
    dialer: options.dialer,
    host: address,
    port: canary.port,
    connectTimeoutMs: options.connectTimeoutMs,
    bounds,
    clock,
  });
  if (opened.status !== 'connected') {
    const reason = opened.status === 'failed' ? classifyError(opened.error, 'connect').reason : opened.status;
    return { status: 'unreachable', address, reason };
  }
  const connection = opened.connection;
  try {
    const reply = await connection.readReply(options.greetingTimeoutMs);
    if (reply.status !== 'reply') return { status: 'silent', address, reason: `greeting_${reply.status}` };
    if (connection.send('QUIT').status === 'sent') await connection.readReply(Math.min(1000, options.greetingTimeoutMs));
    return { status: 'reachable', address, greeting: reply.code, elapsedMs: Math.max(0, now() - started) };
  } finally {
    connection.close();
  }
}

async function addressOf(host: string, resolver: DnsResolver, signal?: AbortSignal): Promise<string | null> {
  if (isIP(host) !== 0) return host;
  try {
    const answer = await resolver.query(host, 'A', signal);
    const owner = followCnameChain(answer.records, host).target;
    const record = answer.records.find((r) => r.type === 'A' && r.name === owner);
    return record?.type === 'A' ? record.address : null;
  } catch {
    return null;
  }
}
