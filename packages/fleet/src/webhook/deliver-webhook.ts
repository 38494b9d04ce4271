import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy, DnsResolver } from '@mxv/probe';

export const SIGNATURE_HEADER = 'x-mxv-signature';

/** CONTRACT "Fleet": `sha256=<hex HMAC-SHA256 of the body>` keyed by MXV_WEBHOOK_SECRET. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookDeliveryOptions {
  secret: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

/**
 * One attempt, as data. `retry`: worth another attempt (the receiver is down,
 * slow, or answered 5xx/429). `give_up`: another attempt would fail the same
 * way (bad URL, an address the policy blocks, a redirect, a 4xx): the delivery
 * becomes a dead letter at once, and an operator can replay it after fixing things.
 */
export type WebhookAttempt =
  | { status: 'delivered'; httpStatus: number; ms: number }
  | { status: 'retry'; reason: string }
  | { status: 'give_up'; reason: string };

/**
 * POSTs a signed body under the probes' address policy (CONTRACT: webhook URLs
 * obey --allow-net). The host name is resolved with the engine's resolver and
 * the address checked before any connection; the request then goes to that
 * address (the lookup is pinned, so the connection cannot be sent elsewhere by
 * a second resolution) with the URL's Host header and SNI. Redirects are not
 * followed, the whole attempt has one budget, and the answer is read up to a bound.
 */
export class WebhookDeliverer {
  readonly #resolver: DnsResolver;
  readonly #policy: AddressPolicy;
  readonly #options: WebhookDeliveryOptions;

  constructor(resolver: DnsResolver, policy: AddressPolicy, options: WebhookDeliveryOptions) {
    this.#resolver = resolver;
    this.#policy = policy;
    this.#options = options;
  }

  async deliver(url: string, body: string): Promise<WebhookAttempt> {
    const started = Date.now();
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return { status: 'give_up', reason: 'invalid_url' };
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return { status: 'give_up', reason: 'unsupported_scheme' };
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    const address = await this.#address(target.hostname, signal);
    if (address.status !== 'ok')
      return address.status === 'blocked'
        ? { status: 'give_up', reason: address.reason }
        : { status: 'retry', reason: address.reason };
    const pinned: LookupFunction = (_host, options, callback) => {
      const family = isIP(address.ip);
      if ((options as { all?: boolean }).all)
        (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
          { address: address.ip, family },
        ]);
      else callback(null, address.ip, family);
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<WebhookAttempt>((resolve) => {
      const req = send(
        target,
        {
          method: 'POST',
          lookup: pinned,
          // A connection of its own: a pooled keep-alive socket (keyed by host name) would still lead to the address
          // an earlier delivery checked, not the one just checked.
          agent: false,
          signal,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'mxv-webhook',
            [SIGNATURE_HEADER]: signBody(this.#options.secret, body),
          },
        },
        (res) => {
          void this.#drain(res).then(() => resolve(classify(res.statusCode ?? 0, Date.now() - started)));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        resolve({ status: 'retry', reason: signal.aborted ? 'timeout' : (error.code ?? 'error').toLowerCase() });
      });
      req.end(body);
    });
  }

  /** Reads at most maxResponseBytes of the answer (nothing of it is used), then lets the connection go. */
  async #drain(res: IncomingMessage): Promise<void> {
    let read = 0;
    try {
      for await (const chunk of res) {
        read += (chunk as Buffer).length;
        if (read > this.#options.maxResponseBytes) {
          res.destroy();
          return;
        }
      }
    } catch {
      // A reset after the status line: the status is what counts.
    }
  }

  async #address(
    hostname: string,
    signal: AbortSignal,
  ): Promise<{ status: 'ok'; ip: string } | { status: 'blocked' | 'unresolved'; reason: string }> {
    const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const candidates: string[] = [];
    if (isIP(literal)) candidates.push(literal);
    else {
      for (const type of ['A', 'AAAA'] as const) {
        const answer = await this.#resolver.query(literal, type, signal);
        for (const record of answer.records) if (record.type === type) candidates.push(record.address);
      }
    }
    if (candidates.length === 0) return { status: 'unresolved', reason: 'no_address' };
    for (const ip of candidates) if (this.#policy.check(ip).status === 'allowed') return { status: 'ok', ip };
    // The same reason a probe gives a blocked host (connect "blocked"): every address is in a range --allow-net does not cover.
    return { status: 'blocked', reason: 'blocked_address' };
  }
}

function classify(httpStatus: number, ms: number): WebhookAttempt {
  if (httpStatus >= 200 && httpStatus < 300) return { status: 'delivered', httpStatus, ms };
  if (httpStatus >= 300 && httpStatus < 400) return { status: 'give_up', reason: `redirect_${httpStatus}` };
  if (httpStatus === 408 || httpStatus === 429 || httpStatus >= 500) return { status: 'retry', reason: `http_${httpStatus}` };
  return { status: 'give_up', reason: `http_${httpStatus}` };
}
