import type { CheckName, ExtendedDnsError, DnssecStatus, HostResult, SecuritySection } from '@mxv/schema';
import { aggregateDane } from '../dane/aggregate-dane.js';
import { hostDane } from '../dane/host-dane.js';
import { lookupExchangeTlsa, type TlsaLookup } from '../dane/tlsa-lookup.js';
import { answerDnssec, type AnswerDnssec } from '../dns/answer-dnssec.js';
import type { DnsResolver } from '../dns/dns-types.js';
import type { ResolverValidation } from '../dns/resolver-validation.js';
import type { DaneBounds } from '../options.js';
import type { MailRoute } from '../resolve-mail-route.js';
import type { HostProbe } from './host-types.js';

export interface DomainSecurityDeps {
  resolver: DnsResolver;
  /**
   * For the TLSA records of the exchanges: a provider's exchange serves many
   * domains, so its `_25._tcp` TLSA answer is shared through a TTL cache.
   */
  tlsaResolver: DnsResolver;
  validation: ResolverValidation;
  checks: ReadonlySet<CheckName>;
  smtpPort: number;
  dane: DaneBounds;
}

/** The DNSSEC and DANE questions of one domain, asked while its hosts are probed (they need nothing from the probes). */
export interface PendingSecurity {
  /** The domain mail is for: the next-hop domain a DANE-TA certificate may name (RFC 7672 3.2.2). */
  domain: string;
  mxDnssec: Promise<AnswerDnssec | null>;
  /** One TLSA lookup per exchange that has a host to probe; null when DANE is not asked for. */
  tlsa: Map<string, Promise<TlsaLookup>> | null;
}

export interface DomainSecurity {
  dnssec: DnssecStatus | null;
  dnssecEde: ExtendedDnsError | null;
  hosts: HostResult[];
  dane: SecuritySection['dane'];
}

export function startDomainSecurity(
  domain: string,
  route: MailRoute,
  deps: DomainSecurityDeps,
  signal?: AbortSignal,
): PendingSecurity {
  const mxAnswer = route.dnssec.mxAnswer;
  const mxDnssec =
    deps.checks.has('dnssec') && mxAnswer !== null
      ? answerDnssec(mxAnswer, { name: domain, type: 'MX' }, deps.resolver, deps.validation, signal)
      : Promise.resolve(null);
  if (!deps.checks.has('dane')) return { domain, mxDnssec, tlsa: null };
  const tlsa = new Map<string, Promise<TlsaLookup>>();
  const cnameTargets = new Map(route.mx.records.map((record) => [record.exchange, record.cnameTarget ?? null]));
  for (const { exchange } of route.targets) {
    if (!tlsa.has(exchange)) {
      const base = {
        exchange,
        expanded: cnameTargets.get(exchange) ?? null,
        expansionSecure: route.dnssec.secureExchanges.has(exchange),
      };
      tlsa.set(exchange, lookupExchangeTlsa(base, deps.smtpPort, deps.tlsaResolver, deps.dane, signal));
    }
  }
  return { domain, mxDnssec, tlsa };
}

/** Adds each host's DANE result (computed per exchange from a probe that may be shared) and the domain's summaries. */
export async function finishDomainSecurity(
  pending: PendingSecurity,
  route: MailRoute,
  hosts: ReadonlyArray<{ result: HostResult; probe: HostProbe | null }>,
  deps: Pick<DomainSecurityDeps, 'dane'>,
): Promise<DomainSecurity> {
  const mxDnssec = await pending.mxDnssec;
  const dnssec = mxDnssec?.status ?? null;
  const dnssecEde = mxDnssec?.ede ?? null;
  const tlsa = pending.tlsa;
  // Written out, not `{ ...base, hosts, dane }`: on V8 11 (Node 20) a literal that starts with a spread and
  // then adds keys makes new hidden classes each time (old-space garbage per domain).
  if (tlsa === null) return { dnssec, dnssecEde, hosts: hosts.map((host) => host.result), dane: null };

  const mxSecure = route.dnssec.mxAnswer?.authenticated === true;
  const aliases = new Set(route.mx.records.filter((record) => (record.cnameTarget ?? null) !== null).map((r) => r.exchange));
  const withDane = await Promise.all(
    hosts.map(async ({ result, probe }): Promise<HostResult> => {
      const lookup = tlsa.get(result.exchange);
      if (lookup === undefined || probe === null) return result;
      const dane = hostDane(
        await lookup,
        {
          host: result,
          chainDigests: probe.chainDigests,
          certIdentity: probe.certIdentity,
          nextHop: pending.domain,
          mxSecure,
          addressesSecure: route.dnssec.secureExchanges.has(result.exchange),
          isAlias: aliases.has(result.exchange),
        },
        deps.dane.maxShownTlsaDataBytes,
      );
      return { ...result, dane };
    }),
  );
  return { dnssec, dnssecEde, hosts: withDane, dane: aggregateDane(withDane) };
}
