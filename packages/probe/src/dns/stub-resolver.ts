import type { DnsStatus } from '@mxv/schema';
import type { DnsBounds } from '../options.js';
import { isEncodableDnsName } from './dns-name.js';
import type { DnsResponse } from './decode-response.js';
import { isEdnsRefusal, newQuestion, withoutEdns, type DnsQuestion } from './dns-query.js';
import type { DnsAnswer, DnsQueryOptions, DnsQuestionType, DnsRecord, DnsResolver, DnsServerAddress } from './dns-types.js';
import type { ExchangeFailure } from './exchange-outcome.js';
import { followCnameChain } from './follow-cname-chain.js';
import { rcodeName } from './rcode-name.js';
import { tcpExchange } from './tcp-exchange.js';
import { UdpSocketPool } from './udp-socket-pool.js';

export interface StubResolverOptions {
  servers: DnsServerAddress[];
  bounds: DnsBounds;
}

/** What one try produced: a response packet (maybe via TCP), or why there was none. */
type TryResult = { status: 'response'; packet: DnsResponse; usedTcp: boolean } | { status: 'failed'; reason: ExchangeFailure };

/**
 * The servers' answer to one question, or (rarely) a NODATA answer whose CNAME chain the resolver did not
 * finish, with the chain's last name: apart, so that the usual answer is returned without a wrapper object.
 */
type ServersAnswer = DnsAnswer | UnfinishedChain;

interface UnfinishedChain {
  partial: DnsAnswer;
  unfinishedAt: string;
}

function isUnfinished(answer: ServersAnswer): answer is UnfinishedChain {
  return 'unfinishedAt' in answer;
}

function serverLabel(server: DnsServerAddress): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/**
 * A stub resolver speaking the wire protocol itself (over dgram/net)
 * rather than through node:dns: c-ares may answer from its own cache, and it
 * hides the AD bit and does not decode TLSA. Every question goes to the
 * configured recursive resolvers in order, like resolv.conf's nameserver list
 * (RFC 1123 6.1.3.3: retransmit, then try the next server).
 */
export class StubResolver implements DnsResolver {
  private readonly servers: readonly DnsServerAddress[];
  /** `serverLabel` of each server, in the same order: made once, not per answer. */
  private readonly serverLabels: readonly string[];
  private readonly bounds: DnsBounds;
  private readonly udp: UdpSocketPool;
  /** Servers that refused EDNS, and until when (performance.now()) they are asked without it; at most one entry per server. */
  private readonly ednsRefusedUntil = new Map<DnsServerAddress, number>();

  constructor(options: StubResolverOptions) {
    this.servers = [...options.servers];
    this.serverLabels = this.servers.map(serverLabel);
    this.bounds = options.bounds;
    this.udp = new UdpSocketPool(options.bounds.questionsPerUdpSocket);
  }

  /*
   * Every DNS question of every check passes here, so the path allocates no
   * closure or intermediate object per question: answers are built key by key
   * in one shape (answered / failed), the rcode is classified into a status.
   */
  async query(name: string, type: DnsQuestionType, signal?: AbortSignal, options: DnsQueryOptions = {}): Promise<DnsAnswer> {
    const started = performance.now();
    // A name that cannot go on the wire gets no answer from anyone; say so without sending.
    if (!isEncodableDnsName(name)) return failedAnswer('SERVFAIL', 'bad_name', started);
    if (this.servers.length === 0) return failedAnswer('TIMEOUT', 'no_servers', started);
    const first = await this.askServers(name, type, signal, options, started);
    return isUnfinished(first) ? this.finishChain(name, type, first, signal, options, started) : first;
  }

  /**
   * RFC 1034 5.3.3: a CNAME answer is followed by asking again for its target. A
   * recursive resolver does that itself and sends the whole chain, but BIND stops
   * after its restart limit and answers NOERROR with the chain so far, no data and
   * no SOA (a real NODATA carries one, RFC 2308 2.2). The rest is asked for here,
   * as Postfix's dns_lookup does, and the answer is the chain joined: its records
   * in order, AD only if every part had it, the status and EDE of the last part
   * (RFC 6604 2.1: the rcode speaks of the chain's last name). A chain that comes
   * back to a name already in it is SERVFAIL `cname_loop`; one still unfinished
   * after `cnameFollowUps` questions, SERVFAIL `cname_chain_too_long`.
   */
  private async finishChain(
    name: string,
    type: DnsQuestionType,
    first: UnfinishedChain,
    signal: AbortSignal | undefined,
    options: DnsQueryOptions,
    started: number,
  ): Promise<DnsAnswer> {
    const records: DnsRecord[] = [...first.partial.records];
    let authenticated = first.partial.authenticated;
    let part: ServersAnswer = first;
    for (let followUps = 0; isUnfinished(part); followUps++) {
      if (followCnameChain(records, name).loop) return chainFailure(part.partial, records, 'cname_loop', started);
      if (followUps >= this.bounds.cnameFollowUps) return chainFailure(part.partial, records, 'cname_chain_too_long', started);
      part = await this.askServers(part.unfinishedAt, type, signal, options, started);
      const answer = isUnfinished(part) ? part.partial : part;
      records.push(...answer.records);
      authenticated &&= answer.authenticated;
    }
    if (followCnameChain(records, name).loop) return chainFailure(part, records, 'cname_loop', started);
    return { ...part, records, authenticated, elapsedMs: Math.round(performance.now() - started) };
  }

  private async askServers(
    name: string,
    type: DnsQuestionType,
    signal: AbortSignal | undefined,
    options: DnsQueryOptions,
    started: number,
  ): Promise<ServersAnswer> {
    // RFC 1035 7.2 / glibc: SERVFAIL or REFUSED from one server may be that server's
    // problem, so the next one is asked before the failure is reported. Kept: the
    // most telling failure (SERVFAIL-like over REFUSED), first seen within a rank.
    let heldFailure: DnsAnswer | null = null;
    let lastFailure: ExchangeFailure = 'timeout';

    for (let index = 0; index < this.servers.length; index++) {
      const server = this.servers[index] as DnsServerAddress;
      for (let attempt = 0; attempt < this.bounds.attemptsPerServer; attempt++) {
        if (signal?.aborted) return failedAnswer('TIMEOUT', 'aborted', started);
        const question = newQuestion(name, type, options.checkingDisabled === true);
        const result = await this.tryOnce(server, question, signal);
        if (result.status === 'failed') {
          if (result.reason === 'aborted') return failedAnswer('TIMEOUT', 'aborted', started);
          lastFailure = result.reason;
          // A literal that is not an address fails the same way every time.
          if (result.reason === 'bad_server_address') break;
          continue;
        }
        const packet = result.packet;
        // A referral is no answer: the server does not recurse (an authoritative one given as a resolver; `mxv
        // doctor` says so too). Like SERVFAIL, the next server is asked, and the failure says why.
        const status = packet.referral ? 'SERVFAIL' : statusOf(packet, question);
        const error = packet.referral
          ? 'referral'
          : status === 'SERVFAIL' && packet.rcode !== RCODE_SERVFAIL
            ? `rcode_${rcodeName(packet.rcode)}`
            : null;
        const answer = answered(status, error, packet, result.usedTcp, this.serverLabels[index] ?? null, started);
        if (status === 'NODATA') {
          const unfinishedAt = unfinishedChainEnd(packet, question);
          if (unfinishedAt !== null) return { partial: answer, unfinishedAt };
        }
        if (status !== 'SERVFAIL' && status !== 'REFUSED') return answer;
        if (heldFailure === null || (heldFailure.status === 'REFUSED' && status === 'SERVFAIL')) heldFailure = answer;
        break;
      }
    }
    if (heldFailure !== null) {
      heldFailure.elapsedMs = Math.round(performance.now() - started);
      return heldFailure;
    }
    return failedAnswer('TIMEOUT', lastFailure, started);
  }

  private async tryOnce(server: DnsServerAddress, question: DnsQuestion, signal: AbortSignal | undefined): Promise<TryResult> {
    if (question.withoutEdns !== true && this.refusesEdns(server)) return this.exchange(server, withoutEdns(question), signal);
    const result = await this.exchange(server, question, signal);
    // RFC 6891 7: a server that does not implement EDNS answers our OPT record with FORMERR (or NOTIMP) and no
    // OPT of its own. Asked again without one, as BIND, Unbound and glibc do; what it answers then is the answer.
    if (result.status === 'response' && isEdnsRefusal(result.packet) && question.withoutEdns !== true) {
      const plain = await this.exchange(server, withoutEdns(question), signal);
      // Remembered only when the plain question got what the one with OPT did not: then OPT was the trouble.
      if (plain.status === 'response' && !isEdnsRefusal(plain.packet) && this.bounds.ednsRefusalMemoryMs > 0) {
        this.ednsRefusedUntil.set(server, performance.now() + this.bounds.ednsRefusalMemoryMs);
      }
      return plain;
    }
    return result;
  }

  private refusesEdns(server: DnsServerAddress): boolean {
    const until = this.ednsRefusedUntil.get(server);
    if (until === undefined) return false;
    if (performance.now() < until) return true;
    this.ednsRefusedUntil.delete(server);
    return false;
  }

  private async exchange(server: DnsServerAddress, question: DnsQuestion, signal: AbortSignal | undefined): Promise<TryResult> {
    const common = { timeoutMs: this.bounds.queryTimeoutMs, udpPayloadBytes: this.bounds.udpPayloadBytes, signal };
    const udp = await this.udp.exchange(server, question, common);
    if (udp.status === 'failed') return udp;
    if (!udp.packet.truncated) return { status: 'response', packet: udp.packet, usedTcp: false };
    // RFC 7766 5: a truncated answer is incomplete; ask the same server again over TCP.
    const tcp = await tcpExchange(server, question, { ...common, maxAnswerBytes: this.bounds.maxTcpAnswerBytes });
    if (tcp.status === 'failed') return tcp;
    return { status: 'response', packet: tcp.packet, usedTcp: true };
  }
}

const RCODE_SERVFAIL = 2;

/**
 * Where a NODATA answer's CNAME chain ends when the resolver did not finish it:
 * the chain's last name, when the answer has a chain and no SOA, or a chain
 * that loops (finishChain tells it so without asking); null for a real NODATA
 * and for a question of type CNAME, which is not followed.
 */
function unfinishedChainEnd(packet: DnsResponse, question: DnsQuestion): string | null {
  if (question.type === 'CNAME') return null;
  const chain = followCnameChain(packet.records, question.name);
  if (chain.aliases.length === 0 || (packet.authoritySoa && !chain.loop)) return null;
  return chain.target;
}

/** The chain as far as it went, as a SERVFAIL with why it was given up. */
function chainFailure(last: DnsAnswer, records: DnsRecord[], error: string, started: number): DnsAnswer {
  return {
    ...last,
    status: 'SERVFAIL',
    records,
    authenticated: false,
    error,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/**
 * What a response says, as a status: NOERROR with nothing of the asked type at
 * the end of the CNAME chain is NODATA (RFC 2308 2.2), which a mail sender must
 * keep apart from an answer; NXDOMAIN with a CNAME chain speaks of the chain's
 * last name (RFC 6604 2.1), still a non-existent target. SERVFAIL, REFUSED and
 * any other rcode (FORMERR, NOTIMP, ...: SERVFAIL with `rcode_<name>`) send the
 * question on to the next server.
 */
function statusOf(packet: DnsResponse, question: DnsQuestion): DnsStatus {
  switch (packet.rcode) {
    case 0: {
      const records = packet.records;
      const owner = question.type === 'CNAME' ? question.name : followCnameChain(records, question.name).target;
      for (const record of records) if (record.type === question.type && record.name === owner) return 'NOERROR';
      return 'NODATA';
    }
    case 3:
      return 'NXDOMAIN';
    case 5:
      return 'REFUSED';
    default:
      return 'SERVFAIL';
  }
}

/** An answer a server gave, in the one shape every answered question has. */
function answered(
  status: DnsStatus,
  error: string | null,
  packet: DnsResponse,
  usedTcp: boolean,
  server: string | null,
  started: number,
): DnsAnswer {
  return {
    status,
    records: packet.records,
    authenticated: packet.authenticated,
    recursionAvailable: packet.recursionAvailable,
    usedTcp,
    server,
    elapsedMs: Math.round(performance.now() - started),
    error,
    ede: packet.ede,
  };
}

/** No server answered (or none was asked): the status and why. */
function failedAnswer(status: DnsStatus, error: string, started: number): DnsAnswer {
  return {
    status,
    records: [],
    authenticated: false,
    recursionAvailable: false,
    usedTcp: false,
    server: null,
    elapsedMs: Math.round(performance.now() - started),
    error,
    ede: null,
  };
}
