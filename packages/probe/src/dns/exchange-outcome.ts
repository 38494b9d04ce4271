import type { DnsResponse } from './decode-response.js';
import type { DnsSocketFailure } from '../classify-error.js';

export type ExchangeFailure =
  | DnsSocketFailure
  | 'timeout'
  | 'aborted'
  | 'bad_server_address'
  | 'tcp_closed'
  | 'tcp_answer_too_large'
  | 'tcp_malformed'
  | 'tcp_mismatch';

/** One try of one question to one server over one transport, as data. */
export type ExchangeOutcome = { status: 'response'; packet: DnsResponse } | { status: 'failed'; reason: ExchangeFailure };

export interface ExchangeTarget {
  host: string;
  port: number;
}
