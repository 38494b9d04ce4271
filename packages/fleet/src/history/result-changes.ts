import { z } from 'zod';

/** A JSON value as it appears in a change record's `from` / `to`. */
export type ChangeValue = string | number | boolean | null | readonly string[] | { readonly [key: string]: ChangeValue };

/** One changed field (CONTRACT "History": `{"path": "verdict", "from": "ok", "to": "unreachable"}`). */
export interface FieldChange {
  path: string;
  from: ChangeValue;
  to: ChangeValue;
}

/**
 * The part of a stored result the comparison walks (its MX records and hosts),
 * checked before a comparison; every other field is read by path, as it is in
 * the JSON. Not the whole result schema: that one fills the fields an older
 * mxv did not write with null, which would then compare as changes.
 */
export const comparableResultSchema = z.looseObject({
  checkedAt: z.string(),
  mx: z.looseObject({
    records: z.array(z.looseObject({ priority: z.number(), exchange: z.string(), addresses: z.array(z.string()) })),
  }),
  hosts: z.array(z.looseObject({ exchange: z.string(), ip: z.string(), port: z.number() })),
});
/** A result as the comparison reads it: a CheckResult is one, and so is what an older mxv stored. */
export type ComparableResult = z.infer<typeof comparableResultSchema>;
type ComparableHost = ComparableResult['hosts'][number];

/**
 * What matters about a result, as dotted paths read from the JSON. A path that
 * is absent (undefined) in either result is not compared: a field that appears
 * because a newer mxv wrote it is not a change of the world. The mail security
 * and reputation fields are listed already and compared once results carry
 * them; adding a field to compare is one line here.
 */
export const DOMAIN_FIELDS: readonly string[] = [
  'verdict',
  'mx.dnssec',
  'security.dane',
  'security.mtaSts.status',
  'security.mtaSts.mode',
  'security.tlsRpt.status',
  'security.spf.status',
  'security.dmarc.status',
  'security.dmarc.policy',
];

/** Per host (one `hosts[]` entry, keyed `exchange ip:port`). Timings, `cached` and `probedAt` are not changes. */
export const HOST_FIELDS: readonly string[] = [
  'connect',
  'banner.code',
  'starttls',
  'tls.version',
  'tls.fingerprintSha256',
  'tls.certValid',
  'tls.hostnameMatch',
  'tls.notAfter',
  'dane.status',
  'mtaSts',
  'ptr.fcrdns',
];

/**
 * The host parts that are null when the probe got nothing (no greeting, no TLS). When one went to or from
 * null, that is one change of the part as a whole (`hosts[…].tls` from null to its version, validity, name
 * match, expiry and fingerprint), not a silence: a field under it changed. Other null parts (dane, ptr are
 * null when their check did not run) are not compared, like absent ones: turning a check off is no change.
 */
const HOST_WHOLE_PARTS: ReadonlySet<string> = new Set(['banner', 'tls']);

/** Lists inside a host compared entry by entry: `hosts[…].dnsbl[zone]` is the status of that zone. */
export const HOST_KEYED_LISTS: ReadonlyArray<{ path: string; key: string; value: string }> = [
  { path: 'dnsbl', key: 'zone', value: 'status' },
];

/**
 * The changes from `before` to `after`, in a stable order (domain fields, MX,
 * then hosts in the order of `after`, then hosts that went away). Empty when
 * nothing that matters changed: check times, durations and timings never count.
 */
export function resultChanges(before: ComparableResult, after: ComparableResult): FieldChange[] {
  const changes: FieldChange[] = [];
  compareFields(changes, '', before, after, DOMAIN_FIELDS);

  const mxBefore = mxSummary(before);
  const mxAfter = mxSummary(after);
  if (!sameValue(mxBefore.records, mxAfter.records))
    changes.push({ path: 'mx.records', from: mxBefore.records, to: mxAfter.records });
  for (const [exchange, addresses] of mxAfter.addresses) {
    const previous = mxBefore.addresses.get(exchange);
    // A new exchange is already in the mx.records change; its addresses with it.
    if (previous !== undefined && !sameValue(previous, addresses)) {
      changes.push({ path: `mx.records[${exchange}].addresses`, from: previous, to: addresses });
    }
  }

  const hostsBefore = byHostKey(before);
  const hostsAfter = byHostKey(after);
  for (const [key, host] of hostsAfter) {
    const previous = hostsBefore.get(key);
    if (previous === undefined) {
      changes.push({ path: `hosts[${key}]`, from: null, to: hostSummary(host) });
      continue;
    }
    compareHostFields(changes, `hosts[${key}].`, previous, host);
    for (const list of HOST_KEYED_LISTS) compareKeyedList(changes, `hosts[${key}].${list.path}`, previous, host, list);
  }
  for (const [key, host] of hostsBefore) {
    if (!hostsAfter.has(key)) changes.push({ path: `hosts[${key}]`, from: hostSummary(host), to: null });
  }
  return changes;
}

/** The key of a host in a path: `mx1.example.com 192.0.2.1:25` (CONTRACT). */
export function hostKey(host: { exchange: string; ip: string; port: number }): string {
  return `${host.exchange} ${host.ip}:${host.port}`;
}

function compareHostFields(changes: FieldChange[], prefix: string, before: unknown, after: unknown): void {
  const wholeDone = new Set<string>();
  for (const field of HOST_FIELDS) {
    const part = field.split('.')[0] ?? field;
    if (HOST_WHOLE_PARTS.has(part) && field !== part) {
      const from = valueAt(before, part);
      const to = valueAt(after, part);
      if (from !== undefined && to !== undefined && (from === null) !== (to === null)) {
        if (!wholeDone.has(part))
          changes.push({ path: `${prefix}${part}`, from: partSummary(before, part), to: partSummary(after, part) });
        wholeDone.add(part);
        continue;
      }
    }
    compareFields(changes, prefix, before, after, [field]);
  }
}

/** A whole part as a change record gives it: null, or the compared fields under it. */
function partSummary(host: unknown, part: string): ChangeValue {
  if (valueAt(host, part) === null) return null;
  const summary: Record<string, ChangeValue> = {};
  for (const field of HOST_FIELDS) {
    if (field.startsWith(`${part}.`)) summary[field.slice(part.length + 1)] = valueAt(host, field) ?? null;
  }
  return summary;
}

function compareFields(changes: FieldChange[], prefix: string, before: unknown, after: unknown, fields: readonly string[]): void {
  for (const field of fields) {
    const from = valueAt(before, field);
    const to = valueAt(after, field);
    if (from === undefined || to === undefined) continue;
    if (!sameValue(from, to)) changes.push({ path: `${prefix}${field}`, from, to });
  }
}

function compareKeyedList(
  changes: FieldChange[],
  prefix: string,
  before: unknown,
  after: unknown,
  list: { path: string; key: string; value: string },
): void {
  const from = keyedValues(valueAt(before, list.path), list);
  const to = keyedValues(valueAt(after, list.path), list);
  if (from === null || to === null) return;
  for (const key of new Set([...from.keys(), ...to.keys()])) {
    const a = from.get(key) ?? null;
    const b = to.get(key) ?? null;
    if (!sameValue(a, b)) changes.push({ path: `${prefix}[${key}]`, from: a, to: b });
  }
}

function keyedValues(list: ChangeValue | undefined, spec: { key: string; value: string }): Map<string, ChangeValue> | null {
  if (!Array.isArray(list)) return null;
  const out = new Map<string, ChangeValue>();
  for (const entry of list as unknown[]) {
    const key = valueAt(entry, spec.key);
    const value = valueAt(entry, spec.value);
    if (typeof key === 'string' && value !== undefined) out.set(key, value);
  }
  return out;
}

/** The value at a dotted path of a JSON object; undefined when any step is missing. */
function valueAt(root: unknown, path: string): ChangeValue | undefined {
  let node: unknown = root;
  for (const step of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[step];
    if (node === undefined) return undefined;
  }
  return node as ChangeValue;
}

function mxSummary(result: ComparableResult): { records: string[]; addresses: Map<string, string[]> } {
  const records = result.mx.records.map((r) => `${r.priority} ${r.exchange}`).sort();
  const addresses = new Map(result.mx.records.map((r) => [r.exchange, [...r.addresses].sort()]));
  return { records, addresses };
}

function byHostKey(result: ComparableResult): Map<string, ComparableHost> {
  return new Map(result.hosts.map((host) => [hostKey(host), host]));
}

function hostSummary(host: ComparableHost): ChangeValue {
  return { connect: valueAt(host, 'connect') ?? null, starttls: valueAt(host, 'starttls') ?? null };
}

function sameValue(a: ChangeValue, b: ChangeValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
