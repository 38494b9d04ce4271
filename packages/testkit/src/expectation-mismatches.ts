import type { CheckResult } from '@mxv/schema';
import type { DomainExpectation } from './world-spec.js';

/** What differs between a result and what the world says it should be; empty when they agree. */
export function expectationMismatches(result: CheckResult, expect: DomainExpectation): string[] {
  const out: string[] = [];
  const same = (what: string, actual: unknown, wanted: unknown): void => {
    if (wanted !== undefined && actual !== wanted)
      out.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  same('verdict', result.verdict, expect.verdict);
  same('mx.source', result.mx.source, expect.mxSource);
  same('mx.dns', result.mx.dns, expect.mxDns);
  same('mx.dnssec', result.mx.dnssec, expect.mxDnssec);
  same('security.dane', result.security.dane, expect.dane);
  for (const [check, wanted] of Object.entries(expect.checks ?? {})) {
    same(`checks.${check}`, result.checks[check as keyof CheckResult['checks']], wanted);
  }
  for (const problem of expect.problems ?? []) {
    if (!result.mx.records.some((record) => record.problems.includes(problem))) out.push(`no MX record has problem ${problem}`);
  }
  const security = expect.security ?? {};
  same('security.mtaSts.status', result.security.mtaSts?.status ?? null, security.mtaSts);
  same('security.mtaSts.error', result.security.mtaSts?.error ?? null, security.mtaStsError);
  same('security.tlsRpt.status', result.security.tlsRpt?.status ?? null, security.tlsRpt);
  same('security.spf.status', result.security.spf?.status ?? null, security.spf);
  same('security.spf.error', result.security.spf?.error ?? null, security.spfError);
  same('security.spf.otherSenders', result.security.spf?.otherSenders ?? null, security.spfOtherSenders);
  same('security.dmarc.status', result.security.dmarc?.status ?? null, security.dmarc);
  (expect.hosts ?? []).forEach((wanted, i) => {
    const host = result.hosts[i];
    if (!host) {
      out.push(`host ${i}: missing`);
      return;
    }
    same(`hosts[${i}].exchange`, host.exchange, wanted.exchange);
    same(`hosts[${i}].connect`, host.connect, wanted.connect);
    if (wanted.bannerCode !== undefined) same(`hosts[${i}].banner.code`, host.banner?.code ?? null, wanted.bannerCode);
    same(`hosts[${i}].ehlo.command`, host.ehlo?.command, wanted.ehloCommand);
    same(`hosts[${i}].starttls`, host.starttls, wanted.starttls);
    same(`hosts[${i}].tls.certValid`, host.tls?.certValid, wanted.certValid);
    if (wanted.certError !== undefined) same(`hosts[${i}].tls.error`, host.tls?.error ?? null, wanted.certError);
    same(`hosts[${i}].tls.hostnameMatch`, host.tls?.hostnameMatch, wanted.hostnameMatch);
    same(`hosts[${i}].tls.certKey.bits`, host.tls?.certKey?.bits, wanted.certKeyBits);
    same(`hosts[${i}].tls.keyExchange.bits`, host.tls?.keyExchange?.bits, wanted.keyExchangeBits);
    if (wanted.dane !== undefined) same(`hosts[${i}].dane.status`, host.dane?.status ?? null, wanted.dane);
    if (wanted.daneReason !== undefined) same(`hosts[${i}].dane.reason`, host.dane?.reason ?? null, wanted.daneReason);
    if (wanted.daneHint !== undefined) same(`hosts[${i}].dane.hint`, host.dane?.hint ?? null, wanted.daneHint);
    if (wanted.daneInsecureMx !== undefined) {
      same(`hosts[${i}].dane.insecureMx.status`, host.dane?.insecureMx?.status ?? null, wanted.daneInsecureMx);
    }
    same(`hosts[${i}].mtaSts`, host.mtaSts, wanted.mtaSts);
    if (wanted.refusal !== undefined) {
      const refusal = host.refusal ? `${host.refusal.command} ${host.refusal.code}` : null;
      same(`hosts[${i}].refusal`, refusal, wanted.refusal ? `${wanted.refusal.command} ${wanted.refusal.code}` : null);
    }
  });
  return out;
}
