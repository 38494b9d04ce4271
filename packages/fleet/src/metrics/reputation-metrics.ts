import type { ReputationObserver } from '@mxv/probe';
import { dnsblStatusSchema, fcrdnsStatusSchema } from '@mxv/schema';
import { Counter, type Registry } from 'prom-client';
import { boundedLabel } from './metric-labels.js';

/**
 * `mxv_dnsbl_lookups_total{zone,status}` and `mxv_ptr_checks_total{fcrdns}`:
 * lookups made (one per address, not per domain: facts served from the host
 * cache are not counted again). `zone` is operator configuration (--dnsbl,
 * at most 16), never a domain under check, so it may be a label.
 */
export interface ReputationMetrics {
  dnsblLookups: Counter<'zone' | 'status'>;
  ptrChecks: Counter<'fcrdns'>;
}

export function createReputationMetrics(registry: Registry): ReputationMetrics {
  const ptrChecks = new Counter({
    name: 'mxv_ptr_checks_total',
    help: 'PTR lookups of mail host addresses, by forward-confirmed reverse DNS outcome (pass, fail, none, dns_error).',
    labelNames: ['fcrdns'],
    registers: [registry],
  });
  for (const fcrdns of fcrdnsStatusSchema.options) ptrChecks.inc({ fcrdns }, 0);
  const dnsblLookups = new Counter({
    name: 'mxv_dnsbl_lookups_total',
    help: 'DNS block-list lookups of mail host addresses, by list zone (--dnsbl) and status (listed, not_listed, error).',
    labelNames: ['zone', 'status'],
    registers: [registry],
  });
  return { dnsblLookups, ptrChecks };
}

/** The engine's observer feeding these counters. */
export function reputationObserver(metrics: ReputationMetrics): ReputationObserver {
  return {
    ptr: (fcrdns) => metrics.ptrChecks.inc({ fcrdns: boundedLabel(fcrdns, fcrdnsStatusSchema.options) }),
    dnsbl: (zone, status) => metrics.dnsblLookups.inc({ zone, status: boundedLabel(status, dnsblStatusSchema.options) }),
  };
}
