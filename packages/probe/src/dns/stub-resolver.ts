import type { DnsStatus } from '@mxv/schema';
import type { DnsBounds } from '../options.js';
import { isEncodableDnsName } from './dns-name.js';
import type { DnsResponse } from './decode-response.js';
import { isEdnsRefusal, newQuestion, withoutEdns, type DnsQuestion } from './dns-query.js';
import type { DnsAnswer, DnsQueryOptions, DnsQuestionType, DnsResolver, DnsServerAddress } from './dns-types.js';
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
  private readonly bounds: DnsBounds;
  private readonly udp: UdpSocketPool;

  constructor(options: StubResolverOptions) {
    this.servers = [...options.servers];
    this.bounds = options.bounds;
    this.udp = new UdpSocketPool(options.bounds.questionsPerUdpSocket);
  }

  async query(name: string, type: DnsQuestionType, signal?: AbortSignal, options: DnsQueryOptions = {}): Promise<DnsAnswer> {
    const started = performance.now();
    const answer = (fields: Partial<DnsAnswer> & { status: DnsStatus }): DnsAnswer => ({
      records: [],
      authenticated: false,
      usedTcp: false,
      server: null,
      error: null,
      ...fields,
      elapsedMs: Math.round(performance.now() - started),
    });

    // A name that cannot go on the wire gets no answer from anyone; say so without sending.
    if (!isEncodableDnsName(name)) return answer({ status: 'SERVFAIL', error: 'bad_name' });
    if (this.servers.length === 0) return answer({ status: 'TIMEOUT', error: 'no_servers' });

    // RFC 1035 7.2 / glibc: SERVFAIL or REFUSED from one server may be that server's
    // problem, so the next one is asked before the failure is reported. Kept: the
    // most telling failure (SERVFAIL-like over REFUSED), first seen within a rank.
    let heldFailure: DnsAnswer | null = null;
    let lastFailure: ExchangeFailure = 'timeout';

    for (const server of this.servers) {
      for (let attempt = 0; attempt < this.bounds.attemptsPerServer; attempt++) {
        if (signal?.aborted) return answer({ status: 'TIMEOUT', error: 'aborted' });
        const question = newQuestion(name, type, options.checkingDisabled === true);
        const result = await this.tryOnce(server, question, signal);
        if (result.status === 'failed') {
          if (result.reason === 'aborted') return answer({ status: 'TIMEOUT', error: 'aborted' });
          lastFailure = result.reason;
          // A literal that is not an address fails the same way every time.
          if (result.reason === 'bad_server_address') break;
          continue;
        }
        const classified = this.classify(result.packet, question, result.usedTcp, serverLabel(server), answer);
        if (classified.final) return classified.answer;
        if (heldFailure === null || (heldFailure.status === 'REFUSED' && classified.answer.status === 'SERVFAIL')) {
          heldFailure = classified.answer;
        }
        break;
      }
    }
    if (heldFailure !== null) return { ...heldFailure, elapsedMs: Math.round(performance.now() - started) };
    return answer({ status: 'TIMEOUT', error: lastFailure });
  }

  private async tryOnce(server: DnsServerAddress, question: DnsQuestion, signal: AbortSignal | undefined): Promise<TryResult> {
    const result = await this.exchange(server, question, signal);
    // RFC 6891 7: a server that does not implement EDNS answers our OPT record with FORMERR (or NOTIMP) and no
    // OPT of its own. Asked again without one, as BIND, Unbound and glibc do; what it answers then is the answer.
    if (result.status === 'response' && isEdnsRefusal(result.packet) && question.withoutEdns !== true) {
      return this.exchange(server, withoutEdns(question), signal);
    }
    return result;
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

  private classify(
    packet: DnsResponse,
    question: DnsQuestion,
    usedTcp: boolean,
    server: string,
    answer: (fields: Partial<DnsAnswer> & { status: DnsStatus }) => DnsAnswer,
  ): { final: boolean; answer: DnsAnswer } {
    const records = packet.records;
    // The answer is built key by key, not as `{ ...shared, status }`: on V8 11 (Node 20) a literal that starts
    // with a spread and then adds a key makes a new hidden class each time, old-space garbage per question.
    const settled = (status: DnsStatus, error: string | null = null): DnsAnswer =>
      answer({ status, records, authenticated: packet.authenticated, usedTcp, server, ede: packet.ede, error });
    const rcode = packet.rcode;
    switch (rcode) {
      case 0: {
        // NOERROR with nothing of the asked type at the end of the CNAME chain is
        // NODATA (RFC 2308 2.2), which a mail sender must keep apart from an answer.
        const owner = question.type === 'CNAME' ? question.name : followCnameChain(records, question.name).target;
        const found = records.some((record) => record.type === question.type && record.name === owner);
        return { final: true, answer: settled(found ? 'NOERROR' : 'NODATA') };
      }
      case 3:
        // RFC 6604 2.1: with a CNAME chain the rcode speaks of the chain's last name; still a non-existent target.
        return { final: true, answer: settled('NXDOMAIN') };
      case 2:
        return { final: false, answer: settled('SERVFAIL') };
      case 5:
        return { final: false, answer: settled('REFUSED') };
      default:
        return { final: false, answer: settled('SERVFAIL', `rcode_${rcodeName(rcode)}`) };
    }
  }
}
