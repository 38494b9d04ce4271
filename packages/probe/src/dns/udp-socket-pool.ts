import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { classifyDnsSocketError } from '../classify-error.js';
import { decodeResponse } from './decode-response.js';
import { encodeQuery, matchesQuestion, type DnsQuestion } from './dns-query.js';
import type { ExchangeFailure, ExchangeOutcome, ExchangeTarget } from './exchange-outcome.js';

export interface UdpExchangeOptions {
  timeoutMs: number;
  udpPayloadBytes: number;
  signal?: AbortSignal | undefined;
}

/** A question waiting on a socket for its answer. */
interface Waiting {
  question: DnsQuestion;
  finish(outcome: ExchangeOutcome): void;
}

/** One connected socket to one server and the questions it carries, keyed by their id. */
interface PooledSocket {
  socket: Socket;
  waiting: Map<number, Waiting>;
  /** Questions given to this socket so far; at the bound it takes no more. */
  questions: number;
  connected: boolean;
  /** Encoded queries held until connect() completes. */
  unsent: Buffer[];
  closed: boolean;
}

/**
 * UDP questions to the configured resolvers over a few connected sockets. A
 * socket carries at most `questionsPerSocket` questions and closes as soon as
 * none is waiting on it, so each socket lives for one burst of questions and
 * the next burst gets a new OS-chosen random source port (RFC 5452 9.2). One
 * socket per question (`questionsPerSocket` 1) is the most entropy per
 * question; it also costs a socket's creation, bind, connect and close per
 * question, which is most of a question's CPU when thousands of domains are
 * checked at once (bench/probe). Sharing a socket keeps the id (16 bits, drawn
 * afresh, unique among the questions waiting on that socket) and the port of
 * that burst; `questionsPerSocket` bounds how many questions an off-path
 * spoofer who guessed a port could aim at (c-ares' `udp_max_queries`).
 *
 * Connected sockets make the kernel drop datagrams from any other address and
 * report ICMP unreachable back to us as an error (then every question waiting
 * on that socket fails with it, as each would have on a socket of its own).
 */
export class UdpSocketPool {
  readonly #questionsPerSocket: number;
  /**
   * The socket taking new questions, per server. Keyed by the server object itself (the resolver passes the
   * same objects every time), not by a "host port" string made for every question.
   */
  readonly #current = new Map<ExchangeTarget, PooledSocket>();

  constructor(questionsPerSocket: number) {
    this.#questionsPerSocket = questionsPerSocket;
  }

  exchange(server: ExchangeTarget, question: DnsQuestion, options: UdpExchangeOptions): Promise<ExchangeOutcome> {
    const family = isIP(server.host);
    // The server list holds literals only; a name here would need DNS to reach DNS.
    if (family === 0) return Promise.resolve({ status: 'failed', reason: 'bad_server_address' });
    if (options.signal?.aborted) return Promise.resolve({ status: 'failed', reason: 'aborted' });
    const pooled = this.#socketFor(server, family);
    // The id must tell this question's answer apart from the others waiting on the same socket.
    let asked = question;
    while (pooled.waiting.has(asked.id)) asked = { ...question, id: randomInt(0, 0x10000) };
    const query = encodeQuery(asked, options.udpPayloadBytes);

    return new Promise<ExchangeOutcome>((resolve) => {
      const finish = (outcome: ExchangeOutcome): void => {
        if (pooled.waiting.get(asked.id) !== waiting) return;
        pooled.waiting.delete(asked.id);
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (pooled.waiting.size === 0) this.#close(server, pooled);
        resolve(outcome);
      };
      const waiting: Waiting = { question: asked, finish };
      const onAbort = (): void => finish({ status: 'failed', reason: 'aborted' });
      const timer = setTimeout(() => finish({ status: 'failed', reason: 'timeout' }), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      pooled.waiting.set(asked.id, waiting);
      if (pooled.connected) this.#send(pooled, query);
      else pooled.unsent.push(query);
    });
  }

  #socketFor(server: ExchangeTarget, family: number): PooledSocket {
    let pooled = this.#current.get(server);
    if (pooled === undefined || pooled.questions >= this.#questionsPerSocket) {
      // A socket at its bound takes no more questions; it closes once its last answer is in.
      pooled = this.#open(server, family);
      this.#current.set(server, pooled);
    }
    pooled.questions += 1;
    return pooled;
  }

  #open(server: ExchangeTarget, family: number): PooledSocket {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const pooled: PooledSocket = { socket, waiting: new Map(), questions: 0, connected: false, unsent: [], closed: false };
    socket.on('error', (error) => this.#failAll(pooled, classifyDnsSocketError(error)));
    socket.on('message', (message) => {
      // A truncated datagram may end mid-record (RFC 2181 9): still good for "ask again over TCP".
      const packet = decodeResponse(message, true);
      // Undecodable or unmatched datagrams are ignored: the real answer may still come.
      if (packet === null) return;
      const waiting = pooled.waiting.get(packet.id);
      if (waiting !== undefined && matchesQuestion(packet, waiting.question)) waiting.finish({ status: 'response', packet });
    });
    socket.connect(server.port, server.host, () => {
      if (pooled.closed) return;
      pooled.connected = true;
      for (const query of pooled.unsent.splice(0)) this.#send(pooled, query);
    });
    return pooled;
  }

  #send(pooled: PooledSocket, query: Buffer): void {
    pooled.socket.send(query, (error) => {
      if (error) this.#failAll(pooled, classifyDnsSocketError(error));
    });
  }

  /**
   * A socket error is about the socket (an ICMP unreachable, a send that
   * failed): every question on it fails, and the last one to finish closes it.
   */
  #failAll(pooled: PooledSocket, reason: ExchangeFailure): void {
    for (const waiting of [...pooled.waiting.values()]) waiting.finish({ status: 'failed', reason });
  }

  #close(server: ExchangeTarget, pooled: PooledSocket): void {
    if (pooled.closed) return;
    pooled.closed = true;
    if (this.#current.get(server) === pooled) this.#current.delete(server);
    pooled.socket.removeAllListeners('message');
    // Late errors after close must not become unhandled 'error' events.
    pooled.socket.removeAllListeners('error');
    pooled.socket.on('error', () => undefined);
    try {
      pooled.socket.close();
    } catch {
      // Already closed: nothing to release.
    }
  }
}
