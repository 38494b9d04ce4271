export * from './options.js';
export * from './bounds.js';
export * from './dns/dns-types.js';
export * from './engine/host-types.js';
export * from './engine/verdict.js';
export * from './engine/check-domain.js';
export * from './engine/local-politeness-gate.js';
export * from './engine/gate-lease.js';
export * from './engine/politeness-groups.js';
export * from './engine/memory-host-source.js';
export * from './engine/create-engine-parts.js';
export * from './engine/mail-check-engine.js';
export * from './engine/in-process-host-source.js';
export * from './smtp/reply-reader.js';
export * from './smtp/parse-ehlo.js';
export * from './smtp/reply-class.js';
export * from './classify-error.js';
export * from './smtp/smtp-connection.js';
export * from './port-list.js';
export * from './net/dialer.js';
export { DirectDialer, type SocketFactory } from './net/direct-dialer.js';
export { Socks5Dialer } from './net/socks5-dialer.js';
export { ProxyError } from './net/proxy-error.js';
export { hasDefaultIpv6Route, machineHasIpv6Route } from './net/ipv6-route.js';
export { parseProxyUrl, describeProxy, type ProxyEndpoint, type ProxyUrlParse } from './net/proxy-url.js';
export * from './smtp/tls-inspect.js';
export { createProbeSecureContext, starttlsOptions } from './smtp/tls-context.js';
export * from './smtp/probe-host.js';
export { StubResolver, type StubResolverOptions } from './dns/stub-resolver.js';
export {
  parseDnsServer,
  parseDnsServerList,
  systemDnsServers,
  DEFAULT_DNS_PORT,
  type ParsedDnsServer,
  type ParsedDnsServerList,
} from './dns/parse-server-list.js';
export { followCnameChain, type CnameChain } from './dns/follow-cname-chain.js';
export { isIpLiteralName } from './dns/ip-literal-name.js';
export { refusalHint } from './refusal-hint.js';
export {
  normalizeDomain,
  normalizeStoredDomain,
  webAddressHost,
  unicodeForm,
  INVALID_DOMAIN_REASONS,
  MAX_DISPLAY_CHARS,
  type NormalizedDomain,
  type InvalidDomainReason,
} from './normalize-domain.js';
export {
  createAddressPolicy,
  restrictIpFamilies,
  IP_FAMILY_NOT_PROBED,
  OWN_ADDRESS,
  blockedAddressError,
  systemOwnAddresses,
  guardOffFamilies,
  type AddressFamily,
  type AddressPolicy,
  type AddressCheck,
  type AddressPolicySetup,
  type AddressPolicyOptions,
  type OwnAddressLister,
} from './address-policy.js';
export { resolveMailRoute, type MailRoute, type MailRouteTarget } from './resolve-mail-route.js';
export * from './policy/txt-lookup.js';
export * from './policy/tag-list.js';
export * from './policy/spf-record.js';
export * from './policy/check-spf.js';
export * from './policy/dmarc-record.js';
export * from './policy/check-dmarc.js';
export * from './policy/organizational-domain.js';
export * from './policy/tls-rpt-record.js';
export * from './policy/check-tls-rpt.js';
export * from './policy/sts-txt-record.js';
export * from './policy/sts-policy.js';
export * from './policy/mx-pattern.js';
export * from './policy/fetch-sts-policy.js';
export * from './policy/sts-policy-source.js';
export * from './policy/memory-sts-policy-source.js';
export * from './policy/check-mta-sts.js';
export * from './policy/gather-domain-policies.js';
export { MemoResolver } from './dns/memo-resolver.js';
export { TtlCacheResolver, type TtlCacheResolverOptions } from './dns/ttl-cache-resolver.js';
export { reverseDnsName, reversedAddressLabels } from './reputation/reverse-name.js';
export { lookupPtr, type PtrBounds } from './reputation/ptr-lookup.js';
export { lookupDnsbl, dnsblQueryName, type DnsblBounds, type DnsblErrorReason } from './reputation/dnsbl-lookup.js';
export { checkDnsblZone, type DnsblZoneCheck } from './reputation/dnsbl-zone.js';
export {
  AddressReputation,
  type AddressFacts,
  type ReputationObserver,
  type ReputationWanted,
  type ReputationBounds,
} from './reputation/address-reputation.js';
export { ReputationProber } from './reputation/reputation-prober.js';
export { ReputationHostSource, reputationWanted } from './reputation/reputation-host-source.js';
export {
  parseCanary,
  checkCanary,
  type CanaryTarget,
  type CanaryParse,
  type CanaryOutcome,
  type CanaryCheckOptions,
} from './net/canary-check.js';
export { ResolverValidation } from './dns/resolver-validation.js';
export { visibleInput } from './display-text.js';
