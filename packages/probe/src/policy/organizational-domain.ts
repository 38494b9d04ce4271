/**
 * The organizational domain of RFC 7489 3.2: the public suffix (Public Suffix
 * List, ICANN and private sections) plus one label. tldts holds the list; it is
 * loaded on first use only, so commands that never look at DMARC (and
 * `mxv --help`) do not pay for parsing it.
 */
type GetDomain = (typeof import('tldts'))['getDomain'];

let loaded: Promise<GetDomain> | null = null;

export async function organizationalDomain(domain: string): Promise<string | null> {
  loaded ??= import('tldts').then((module) => module.getDomain);
  const getDomain = await loaded;
  // allowPrivateDomains: a name under a private suffix (e.g. a hosting provider's) is its own organization.
  // extractHostname false: the input is a normalized name, not a URL (tldts skips its URL parsing, a third of its time).
  return getDomain(domain, { allowPrivateDomains: true, validateHostname: false, extractHostname: false });
}
