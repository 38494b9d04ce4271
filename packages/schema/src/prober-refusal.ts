/**
 * A refusal whose words are about the client, not about mail to the domain: a server that refuses the name
 * mxv gives in EHLO/HELO, its address's reverse DNS, its connection rate, or its address on a block list.
 * The facts stand (this is what the server said to this prober), but they say little of what other senders
 * get, and the fix is on the prober's side. Read from the server's own words, as Postfix, Exim, Haraka and
 * postscreen write them; null when nothing in them points at the client.
 */
export type ProberRefusal = 'helo_name' | 'reverse_dns' | 'rate' | 'block_list';

const SIGNS: ReadonlyArray<[ProberRefusal, RegExp]> = [
  // Postfix: "Helo command rejected: Host not found", "... need fully-qualified hostname"; Haraka: "HELO host name invalid".
  [
    'helo_name',
    /helo command rejected|\b(?:helo|ehlo) (?:host ?)?name|invalid (?:helo|ehlo)|bad (?:helo|ehlo)|fully-qualified hostname/i,
  ],
  // Postfix reject_unknown_client_hostname: "Client host rejected: cannot find your hostname, [192.0.2.1]".
  ['reverse_dns', /cannot find your (?:reverse )?hostname|reverse (?:dns|lookup|hostname)|\bno ptr\b|\brdns\b/i],
  // Postfix anvil: "Error: too many connections from 192.0.2.1"; others' rate limits.
  ['rate', /too many (?:concurrent )?(?:connections|sessions)|connection rate|rate limit/i],
  // postscreen and smtpd: "Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org".
  ['block_list', /blocked using|listed (?:at|in|on|by)\b|\bblock ?list|\bblack ?list|\bdnsbl\b|spamhaus|spamcop|barracuda/i],
];

export function proberRefusal(text: string): ProberRefusal | null {
  for (const [kind, sign] of SIGNS) if (sign.test(text)) return kind;
  return null;
}

/** What such a refusal means, in the table and on the page. */
export const PROBER_REFUSAL_WORDS: Record<ProberRefusal, string> = {
  helo_name:
    "the server refused the name mxv gives in EHLO/HELO (--helo-name; mxv.invalid by default, a name that cannot exist), not the mail: senders that give a name that resolves are not refused so; check again with --helo-name set to this machine's PTR name",
  reverse_dns:
    "the server refused this prober's address for its reverse DNS (no PTR name, or none that resolves back), not the mail: senders with forward-confirmed reverse DNS get through; check from such an address (mxv doctor tells)",
  rate: 'the server refused this prober for its connection rate, not the mail: other senders are not refused so; check again later, or less often',
  block_list:
    "the server refused this prober's address because a block list names it, not the mail: other senders get through; check from another address (mxv doctor tells which lists name it)",
};
