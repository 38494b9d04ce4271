/**
 * What the first digit of a reply code says (RFC 5321 4.2.1): 2yz done, 3yz
 * go on (DATA's 354), 4yz try again later, 5yz do not try again. Anything else
 * is outside the grammar's meaning even when it is three digits.
 */
export type ReplyClass = 'positive' | 'intermediate' | 'transient' | 'permanent' | 'unknown';

export function replyClass(code: number): ReplyClass {
  if (!Number.isInteger(code) || code < 200 || code > 599) return 'unknown';
  if (code < 300) return 'positive';
  if (code < 400) return 'intermediate';
  if (code < 500) return 'transient';
  return 'permanent';
}

/**
 * The host's error reasons for a reply that was not the one a step wanted.
 * `permanent` falls back to `otherwise`: some steps tell a 5xx refusal from an
 * odd code, others have one word for both.
 */
export interface UnwantedReplyReasons {
  transient: string;
  permanent?: string;
  otherwise: string;
}

/** Picks the reason for an unwanted reply by its class: a 4xx is a temporary failure, worth telling apart. */
export function unwantedReplyReason(code: number, reasons: UnwantedReplyReasons): string {
  switch (replyClass(code)) {
    case 'transient':
      return reasons.transient;
    case 'permanent':
      return reasons.permanent ?? reasons.otherwise;
    default:
      return reasons.otherwise;
  }
}
