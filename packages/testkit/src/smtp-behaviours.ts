import { HOSTILE_BEHAVIOUR_KINDS, type HostileBehaviour } from './smtp-hostile-behaviours.js';

/**
 * What a simulated SMTP host does on its port, one named value each. The ESMTP
 * family follows RFC 5321 and RFC 3207; the rest are the broken and hostile
 * servers a prober meets on port 25 in the wild.
 */
export type SmtpBehaviour =
  | HostileBehaviour
  /** A well-behaved server: 220, EHLO (STARTTLS offered when `tls` is given), STARTTLS, QUIT. */
  | { kind: 'esmtp' }
  /** As esmtp, but STARTTLS is never offered (and refused with 502 if tried). */
  | { kind: 'no_starttls' }
  /** RFC 5321 3.1: "554 No SMTP service here"; then 503 to anything but QUIT. */
  | { kind: 'greeting_554' }
  /** 421 greeting, then the server closes (RFC 5321 3.8). */
  | { kind: 'greeting_421' }
  /**
   * Postfix's postscreen when a DNS block list names the client (postscreen_dnsbl_action = drop): the first
   * line of its greeting (`220-`), then, `teaserMs` later (default 200), `521 5.7.1 Service unavailable;
   * client [addr] blocked using <zone>` ending the same reply, and it closes.
   */
  | { kind: 'dnsbl_drop'; teaserMs?: number; zone?: string }
  /** 220-…/220-…/220 … then esmtp (RFC 5321 4.2.1 multi-line replies). */
  | { kind: 'multiline_greeting'; lines?: number }
  /** Accepts the connection and never says anything. */
  | { kind: 'silent' }
  /** The greeting one byte every intervalMs, never ending the line. */
  | { kind: 'trickle'; intervalMs?: number }
  /** 500 to EHLO, 250 to HELO (an RFC 821-only server). */
  | { kind: 'ehlo_refused' }
  /** STARTTLS offered, 454 when used (RFC 3207 4). */
  | { kind: 'starttls_refused' }
  /** 220 to STARTTLS, then plain bytes instead of a TLS handshake. */
  | { kind: 'garbage_after_starttls' }
  /** 220 greeting, then the server closes at once. */
  | { kind: 'close_after_greeting' }
  /** An HTTP server: silent until the client speaks, then 400 Bad Request and close. */
  | { kind: 'http' }
  /** An HTTP response written at once on connect, then close. */
  | { kind: 'http_banner' }
  /** Random bytes (with NUL and invalid UTF-8) on connect; default 256. */
  | { kind: 'binary_garbage'; bytes?: number }
  /** A TLS fatal alert record on connect (a TLS-only service), then close. */
  | { kind: 'tls_bytes' }
  /** Half a greeting, then a TCP RST `afterMs` later (default 250). */
  | { kind: 'reset_mid_reply'; afterMs?: number }
  /** "220 " and `bytes` more with no line end (default 1 MiB). */
  | { kind: 'huge_greeting'; bytes?: number }
  /** "220-" lines, `lines` of them then a final 220 and esmtp, or forever when lines is absent. */
  | { kind: 'endless_continuation'; lines?: number; intervalMs?: number }
  /** Normal greeting; EHLO answered with "250-" lines, `lines` then a final 250, or forever. */
  | { kind: 'ehlo_never_ends'; lines?: number; intervalMs?: number }
  /** STARTTLS answered 220, then the TLS handshake never progresses. */
  | { kind: 'tls_stall' }
  /**
   * esmtp with a delayed greeting (default 300 ms), like Postfix postscreen's
   * pregreet test: a client that talks before the banner is recorded. (Every
   * server records it; this one gives the client the time to misbehave.)
   */
  | { kind: 'pregreet_check'; greetingDelayMs?: number }
  /**
   * A server behind a firewall that inspects ESMTP as Cisco ASA does at its defaults (`inspect esmtp`,
   * `_default_esmtp_map`): the greeting's text overwritten with asterisks (mask-banner); in the EHLO reply,
   * STARTTLS overwritten as XXXXXXXA (no allow-tls) and CHUNKING as XXXXXXXB (unknown parameters masked);
   * a STARTTLS command overwritten with Xs on its way in, so the server answers 502.
   */
  | { kind: 'esmtp_inspected' };

export type SmtpBehaviourKind = SmtpBehaviour['kind'];

export const SMTP_BEHAVIOUR_KINDS: readonly SmtpBehaviourKind[] = [
  'esmtp',
  'no_starttls',
  'greeting_554',
  'greeting_421',
  'dnsbl_drop',
  'multiline_greeting',
  'silent',
  'trickle',
  'ehlo_refused',
  'starttls_refused',
  'garbage_after_starttls',
  'close_after_greeting',
  'http',
  'http_banner',
  'binary_garbage',
  'tls_bytes',
  'reset_mid_reply',
  'huge_greeting',
  'endless_continuation',
  'ehlo_never_ends',
  'tls_stall',
  'pregreet_check',
  'esmtp_inspected',
  ...HOSTILE_BEHAVIOUR_KINDS,
];

/** A kind name stands for the behaviour with its default parameters. */
export function toBehaviour(b: SmtpBehaviour | SmtpBehaviourKind): SmtpBehaviour {
  return typeof b === 'string' ? ({ kind: b } as SmtpBehaviour) : b;
}
