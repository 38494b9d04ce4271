import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, OptAnswer, Packet } from 'dns-packet';
import { ZoneStore, type DnsBehaviour, type Resolution, type ZoneDnssec } from './dns-zone.js';
import type { ZoneRecord } from './dns-records.js';

export type { DnsBehaviour, ZoneDnssec } from './dns-zone.js';

export interface DnsServerOptions {
  /** Loopback address to bind, e.g. "127.53.0.1" or "::1". */
  host: string;
  /** 0 picks a free port that is free for both UDP and TCP. */
  port?: number;
  /** Initial data: name → records. */
  records?: Record<string, ZoneRecord[]> | Map<string, ZoneRecord[]>;
  behaviours?: Record<string, DnsBehaviour> | Map<string, DnsBehaviour>;
  /** Zones known to the resolver (SOA owners); names under none are REFUSED. Default test, example, invalid. */
  zones?: string[];
  defaultTtl?: number;
  negativeTtl?: number;
  maxCnameHops?: number;
  onCnameLimit?: 'partial' | 'servfail';
  /** Our own EDNS UDP limit; the answer fits min(client's, this) or 512 without EDNS (RFC 6891 6.2.5). */
  maxUdpPayload?: number;
  /** Idle TCP connections are closed after this long (RFC 7766 6.2.3 suggests seconds). */
  tcpIdleMs?: number;
  /** Query log entries kept; later queries are counted, not logged. */
  maxLogEntries?: number;
  /** Tries at finding a port free for both UDP and TCP when port is 0. */
  bindAttempts?: number;
  /** How a validating resolver judges each zone (zones listed are added); unlisted zones are insecure. */
  dnssec?: Record<string, ZoneDnssec>;
  /**
   * Play a validating resolver (default): AD on secure answers to an asker that
   * sets AD or DO (RFC 6840 5.7), SERVFAIL with an EDE for bogus ones unless CD.
   * false plays one that does not validate: never AD, bogus answered as data.
   */
  validating?: boolean;
  /**
   * `resolver` (default): answer as the recursive resolver mxv is given (RA set).
   * `authoritative`: answer as the zones' own server, behind a real resolver
   * (AA set on answers from its zones, RA clear, RFC 1035 4.1.1): Unbound takes
   * an answer without AA from a server it asked iteratively as coming from a
   * recursive one (REC_LAME) and, after a few, stops asking it.
   */
  answerAs?: 'resolver' | 'authoritative';
}

export interface DnsQueryLogEntry {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
  /** "ip:port" of the asker. */
  from: string;
  at: number;
  /** What was sent back: an rcode, "TC" for a truncated UDP answer, or "none" for a timeout. */
  outcome: string;
}

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  /** "host:port" ("[v6]:port" for IPv6), what the engine takes as --dns. */
  readonly address: string;
  setRecords(name: string, records: ZoneRecord[] | null): void;
  getRecords(name: string): ZoneRecord[] | undefined;
  setBehaviour(name: string, behaviour: DnsBehaviour | null): void;
  addZone(zone: string): void;
  setZoneDnssec(zone: string, dnssec: ZoneDnssec | null): void;
  /** Entries in arrival order (bounded by maxLogEntries). */
  readonly queryLog: readonly DnsQueryLogEntry[];
  /** Every query seen, including those past the log bound. */
  queryCount(): number;
  clearLog(): void;
  stop(): Promise<void>;
}

const DNS_HEADER_BYTES = 12;
/** EDNS option code of an Extended DNS Error (RFC 8914 4). */
const EDE_OPTION = 15;

/** RFC 8914 2: INFO-CODE (16 bits) then EXTRA-TEXT in UTF-8. */
function edeData(code: number, text: string | undefined): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code, 0);
  return Buffer.concat([head, Buffer.from(text ?? '', 'utf8')]);
}
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type Rcode = keyof typeof RCODE;
const CLASSIC_UDP_LIMIT = 512;
const TCP_MESSAGE_LIMIT = 65_535;

function entries<T>(src: Record<string, T> | Map<string, T> | undefined): [string, T][] {
  if (src === undefined) return [];
  return src instanceof Map ? [...src.entries()] : Object.entries(src);
}

function formatAddress(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const store = new ZoneStore({
    zones: opts.zones ?? ['test', 'example', 'invalid'],
    defaultTtl: opts.defaultTtl ?? 300,
    negativeTtl: opts.negativeTtl ?? 60,
    maxCnameHops: opts.maxCnameHops ?? 8,
    onCnameLimit: opts.onCnameLimit ?? 'partial',
  });
  for (const [name, recs] of entries(opts.records)) store.setRecords(name, recs);
  for (const [name, b] of entries(opts.behaviours)) store.setBehaviour(name, b);
  for (const [zone, d] of entries(opts.dnssec)) store.setZoneDnssec(zone, d);
  const validating = opts.validating ?? true;
  const authoritative = opts.answerAs === 'authoritative';

  const maxUdpPayload = opts.maxUdpPayload ?? 4096;
  const tcpIdleMs = opts.tcpIdleMs ?? 10_000;
  const maxLog = opts.maxLogEntries ?? 200_000;
  const log: DnsQueryLogEntry[] = [];
  let count = 0;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const tcpSockets = new Set<net.Socket>();

  function record(entry: DnsQueryLogEntry): void {
    count++;
    if (log.length < maxLog) log.push(entry);
  }

  function later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  }

  function header(query: Packet, rcode: Rcode, extraFlags = 0): Packet {
    // RD is echoed (RFC 1035 4.1.1); RA says we recurse, as the engine expects of its resolver; AA that
    // the answer comes from the zone's own server (never with a refusal or an error of ours).
    const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const role = !authoritative
      ? dnsPacket.RECURSION_AVAILABLE
      : rcode === 'NOERROR' || rcode === 'NXDOMAIN'
        ? dnsPacket.AUTHORITATIVE_ANSWER
        : 0;
    return {
      type: 'response',
      id: query.id ?? 0,
      flags: rd | role | extraFlags | RCODE[rcode],
      questions: query.questions ?? [],
      answers: [],
      authorities: [],
      additionals: [],
    };
  }

  function clientOpt(query: Packet): OptAnswer | undefined {
    return query.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  }

  function withOpt(resp: Packet, query: Packet, options: Array<{ code: number; data: Buffer }> = []): Packet {
    // Answer EDNS with EDNS (RFC 6891 7), never to a client that did not use it.
    if (clientOpt(query) !== undefined) {
      resp.additionals = [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: maxUdpPayload,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options,
        } as OptAnswer,
      ];
    }
    return resp;
  }

  /** The response packet, or null for "never answer". Also returns the log outcome. */
  function respond(query: DecodedPacket, transport: 'udp' | 'tcp'): { packet: Packet | null; outcome: string; delayMs: number } {
    const opcode = (query as DecodedPacket & { opcode?: string }).opcode;
    if (opcode !== undefined && opcode !== 'QUERY')
      return { packet: withOpt(header(query, 'NOTIMP'), query), outcome: 'NOTIMP', delayMs: 0 };
    const questions = query.questions ?? [];
    const q = questions[0];
    if (q === undefined || questions.length !== 1)
      return { packet: withOpt(header(query, 'FORMERR'), query), outcome: 'FORMERR', delayMs: 0 };
    if (q.class !== undefined && q.class !== 'IN')
      return { packet: withOpt(header(query, 'REFUSED'), query), outcome: 'REFUSED', delayMs: 0 };

    const behaviour = store.behaviourFor(q.name, q.type);
    const delayMs = behaviour?.delayMs ?? 0;
    const res: Resolution = store.resolve(q.name, q.type);
    if (res.status === 'timeout') return { packet: null, outcome: 'none', delayMs };
    if (res.status === 'fail') return { packet: withOpt(header(query, res.rcode), query), outcome: res.rcode, delayMs };

    // The validating resolver's verdict (RFC 4035 3.2): CD asks it not to validate.
    const flags = query.flags ?? 0;
    const cd = (flags & dnsPacket.CHECKING_DISABLED) !== 0;
    if (validating && !cd && res.dnssec.state === 'bogus') {
      const ede = res.dnssec.ede;
      const options = ede === undefined ? [] : [{ code: EDE_OPTION, data: edeData(ede.code, ede.text) }];
      return { packet: withOpt(header(query, 'SERVFAIL'), query, options), outcome: 'SERVFAIL', delayMs };
    }
    const wantsAd = (flags & dnsPacket.AUTHENTIC_DATA) !== 0 || clientOpt(query)?.flag_do === true;
    const ad = validating && !cd && wantsAd && res.dnssec.state === 'secure' ? dnsPacket.AUTHENTIC_DATA : 0;
    const full = withOpt(header(query, res.rcode, ad), query);
    full.answers = res.answers;
    full.authorities = res.authorities;
    if (transport === 'tcp') {
      if (dnsPacket.encodingLength(full) <= TCP_MESSAGE_LIMIT) return { packet: full, outcome: res.rcode, delayMs };
      return { packet: withOpt(header(query, res.rcode, dnsPacket.TRUNCATED_RESPONSE), query), outcome: 'TC', delayMs };
    }
    const limit = Math.max(CLASSIC_UDP_LIMIT, Math.min(clientOpt(query)?.udpPayloadSize ?? CLASSIC_UDP_LIMIT, maxUdpPayload));
    if (behaviour?.truncate === true || dnsPacket.encodingLength(full) > limit) {
      // RFC 2181 9: a truncated answer is not used; sending none at all makes that unmistakable.
      return { packet: withOpt(header(query, res.rcode, dnsPacket.TRUNCATED_RESPONSE), query), outcome: 'TC', delayMs };
    }
    return { packet: full, outcome: res.rcode, delayMs };
  }

  /** FORMERR for a message we cannot parse but whose ID we can read (RFC 1035 4.1.1). */
  function formErr(msg: Buffer): Buffer | null {
    if (msg.length < DNS_HEADER_BYTES) return null;
    const out = Buffer.alloc(DNS_HEADER_BYTES);
    msg.copy(out, 0, 0, 2);
    out.writeUInt16BE(0x8000 | dnsPacket.RECURSION_AVAILABLE | RCODE.FORMERR, 2);
    return out;
  }

  function handle(msg: Buffer, transport: 'udp' | 'tcp', from: string, send: (b: Buffer) => void): void {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      record({ name: '', type: '', transport, from, at: Date.now(), outcome: 'FORMERR' });
      const fe = formErr(msg);
      if (fe) send(fe);
      return;
    }
    if (query.type === 'response') return; // never answer answers
    const q = query.questions?.[0];
    const { packet, outcome, delayMs } = respond(query, transport);
    record({ name: q?.name ?? '', type: q?.type ?? '', transport, from, at: Date.now(), outcome });
    if (packet === null) return;
    const bytes = dnsPacket.encode(packet);
    later(delayMs, () => send(bytes));
  }

  const tcp = net.createServer((socket) => {
    tcpSockets.add(socket);
    socket.setTimeout(tcpIdleMs, () => socket.destroy());
    socket.on('close', () => tcpSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const from = formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      // RFC 7766 8: each message has a two-byte length prefix; several may share a connection.
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        handle(msg, 'tcp', from, (out) => {
          if (socket.destroyed) return;
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          socket.write(framed);
        });
      }
    });
  });
  const makeUdp = (): dgram.Socket => {
    // A large receive buffer (the kernel caps it at net.core.rmem_max): a benchmark's
    // burst of questions must queue, not be dropped into the askers' retry timeouts.
    const udp = dgram.createSocket({ type: net.isIPv6(opts.host) ? 'udp6' : 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER_BYTES });
    udp.on('message', (msg, rinfo) => {
      handle(msg, 'udp', formatAddress(rinfo.address, rinfo.port), (out) => {
        if (!stopped) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    return udp;
  };
  const { udp, port } = await bindBoth(makeUdp, tcp, opts.host, opts.port ?? 0, opts.bindAttempts ?? 20);
  // After binding, a send error (ICMP unreachable from a vanished asker) is not ours to crash on.
  udp.on('error', () => {});
  tcp.on('error', () => {});

  return {
    host: opts.host,
    port,
    address: formatAddress(opts.host, port),
    setRecords: (name, records) => store.setRecords(name, records),
    getRecords: (name) => store.getRecords(name),
    setBehaviour: (name, b) => store.setBehaviour(name, b),
    addZone: (zone) => store.addZone(zone),
    setZoneDnssec: (zone, d) => store.setZoneDnssec(zone, d),
    queryLog: log,
    queryCount: () => count,
    clearLog: () => {
      log.length = 0;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of tcpSockets) s.destroy();
      await Promise.all([new Promise<void>((r) => tcp.close(() => r())), new Promise<void>((r) => udp.close(() => r()))]);
    },
  };
}

/**
 * Bind UDP and TCP on one port. With port 0 the UDP socket picks a port and TCP
 * tries the same; something else may hold that port for TCP, so try again with
 * a fresh UDP socket (a dgram socket cannot be bound twice).
 */
const UDP_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

async function bindBoth(
  makeUdp: () => dgram.Socket,
  tcp: net.Server,
  host: string,
  wanted: number,
  attempts: number,
): Promise<{ udp: dgram.Socket; port: number }> {
  for (let i = 0; ; i++) {
    const udp = makeUdp();
    let port: number;
    try {
      port = await bindUdp(udp, host, wanted);
    } catch (err) {
      udp.close();
      throw err;
    }
    const err = await listenTcp(tcp, host, port);
    if (err === null) return { udp, port };
    await new Promise<void>((r) => udp.close(() => r()));
    if (wanted !== 0 || err.code !== 'EADDRINUSE' || i + 1 >= attempts) throw err;
  }
}

function bindUdp(udp: dgram.Socket, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    udp.once('error', onError);
    udp.bind({ address: host, port, exclusive: true }, () => {
      udp.off('error', onError);
      resolve(udp.address().port);
    });
  });
}

function listenTcp(tcp: net.Server, host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      tcp.off('listening', onListening);
      resolve(e);
    };
    const onListening = (): void => {
      tcp.off('error', onError);
      resolve(null);
    };
    tcp.once('error', onError);
    tcp.once('listening', onListening);
    tcp.listen({ host, port, exclusive: true });
  });
}
