import type { CheckResult } from '@mxv/schema';

/** The resolver's own failures (mx_timeout:connection_refused): nothing on the domains' side causes these. */
const RESOLVER_DOWN = /^mx_[a-z]+:(connection_refused|unreachable|socket_error)$/;
/** An MTA-STS policy fetch the proxy failed; its replies 3 to 5 are about the policy host, not the proxy. */
const POLICY_FETCH_PROXY_FAILED = /^fetch_proxy_(?!refused:[345]$)/;

/**
 * Whether a whole `mxv check` run failed the same way on this side: then every domain's verdict says
 * nothing of the domain, and the operator should hear what to fix (mxv already says so for a machine
 * without an IPv6 route). Counted over the results that were checked (invalid inputs aside).
 */
export class LocalFailureTally {
  #checked = 0;
  #resolverDown = 0;
  #probedDomains = 0;
  #allBlocked = 0;
  #allOwn = 0;
  #allProxyFailed = 0;
  #policiesFetched = 0;
  #policyFetchesProxyFailed = 0;

  add(result: CheckResult): void {
    if (result.verdict === 'invalid') return;
    this.#checked += 1;
    if (result.verdict === 'dns_error' && RESOLVER_DOWN.test(result.error ?? '')) this.#resolverDown += 1;
    // Older stored shapes may lack the section; only a fetch that was tried counts (a TXT record was found).
    const policy = (result.security as Partial<CheckResult['security']> | undefined)?.mtaSts;
    if (policy?.status === 'valid' || policy?.error?.startsWith('fetch_') === true) {
      this.#policiesFetched += 1;
      if (POLICY_FETCH_PROXY_FAILED.test(policy.error ?? '')) this.#policyFetchesProxyFailed += 1;
    }
    if (result.hosts.length === 0) return;
    this.#probedDomains += 1;
    if (result.hosts.every((host) => host.error === 'blocked_address')) this.#allBlocked += 1;
    if (result.hosts.every((host) => host.error === 'own_address')) this.#allOwn += 1;
    if (result.hosts.every((host) => host.error?.startsWith('proxy_') === true)) this.#allProxyFailed += 1;
  }

  /** One line for stderr, or null when the run says something of the domains. */
  hint(): string | null {
    if (this.#checked > 0 && this.#resolverDown === this.#checked)
      return "no MX question got an answer: the resolver (--dns / MXV_DNS, or the system's) refused or could not be reached; `mxv doctor` checks it";
    const everyProbed = (count: number): boolean => this.#probedDomains > 0 && count === this.#probedDomains;
    if (everyProbed(this.#allBlocked))
      return 'every mail host address was refused by the address policy (blocked_address): private, loopback and reserved addresses are probed only when --allow-net names them';
    if (everyProbed(this.#allOwn))
      return "every mail host address is this machine's own (own_address): --own-addresses block refuses them; --allow-net ADDRESS or --own-addresses allow probes them, but from here that says nothing of what the internet reaches";
    if (everyProbed(this.#allProxyFailed))
      return 'no connection went through the SOCKS5 proxy (--proxy / MXV_PROXY): every host failed at the proxy; `mxv doctor` checks it';
    if (this.#policiesFetched > 0 && this.#policyFetchesProxyFailed === this.#policiesFetched)
      return 'every MTA-STS policy fetch failed at the SOCKS5 proxy (--proxy / MXV_PROXY), which carries them to port 443 of mta-sts.<domain>: a proxy that allows port 25 only fails them all (fetch_proxy_refused:2)';
    return null;
  }
}
