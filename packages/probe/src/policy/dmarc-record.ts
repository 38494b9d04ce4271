import { isReportUri, parseTagList, parseUriList, tagValue, type TagList } from './tag-list.js';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DmarcRecordFields {
  policy: DmarcPolicy;
  subdomainPolicy: DmarcPolicy | null;
  pct: number | null;
  rua: string[];
}

type PolicyError = 'policy_missing' | 'policy_invalid' | 'sp_invalid';

/**
 * RFC 7489 6.3/6.4: `v=DMARC1` first, then `p` (required), `sp`, `pct`
 * (0-100), `rua` (URIs), among others. Unknown tags are ignored (6.3: "MUST
 * be ignored"), and so is ruf. A value outside its grammar in p, sp, pct or
 * rua, or in adkim, aspf, fo, rf or ri (which OpenDMARC refuses the whole record
 * for), makes the record invalid, so the reason is shown rather than a
 * silently different policy.
 *
 * A record without a valid p, or with an invalid sp, is still acted on as p=none
 * when its rua holds at least one syntactically valid URI (6.6.3 step 6):
 * `appliedPolicy` says so. DMARCbis also counts an invalid np there.
 */
export type DmarcRecord =
  | ({ status: 'ok' } & DmarcRecordFields)
  | {
      status: 'invalid';
      error: 'syntax' | 'version_format' | PolicyError | 'pct_invalid' | 'rua_invalid' | DmarcTagError;
      appliedPolicy?: 'none';
    };

const POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

/**
 * What is taken for a DMARC record at all: the version tag as RFC 7489 6.4 spells it
 * (dmarc-version = "v" *WSP "=" *WSP "DMARC1"), and its near misses in any case, so that
 * `V = dmarc1; p=reject` is reported as a broken record (`version_format`) rather than as none.
 */
const DMARC_VERSION = /^[ \t]*v[ \t]*=[ \t]*DMARC1[ \t]*(?:;|$)/i;
/**
 * What receivers recognise: OpenDMARC takes a TXT record for DMARC only when it begins `v=DMARC1`
 * (after leading blanks), exactly: no blank around `=`, no other case. A record written
 * otherwise is no policy at such receivers, whatever the RFC's grammar allows.
 */
const EXACT_VERSION = /^[ \t]*v=DMARC1/;

/** RFC 7489 6.6.3 step 2: the TXT records that are DMARC records at all; the others are discarded. */
export function isDmarcRecord(text: string): boolean {
  return DMARC_VERSION.test(text);
}

function asPolicy(value: string): DmarcPolicy | null {
  const lower = value.toLowerCase();
  return (POLICIES as readonly string[]).includes(lower) ? (lower as DmarcPolicy) : null;
}

/** RFC 7489 6.6.3 step 6: with one valid reporting URI, an unusable p/sp still means p=none. */
function unusablePolicy(error: PolicyError, rua: string | undefined): DmarcRecord {
  const reports = rua?.split(',').some((uri) => isReportUri(uri.trim(), 'any')) ?? false;
  return reports ? { status: 'invalid', error, appliedPolicy: 'none' } : { status: 'invalid', error };
}

export function parseDmarcRecord(text: string): DmarcRecord {
  if (!EXACT_VERSION.test(text)) return { status: 'invalid', error: 'version_format' };
  const list = parseTagList(text, undefined, true);
  if (list.status === 'invalid') return { status: 'invalid', error: 'syntax' };
  const first = list.tags[0];
  if (first?.[0] !== 'v' || first[1].toUpperCase() !== 'DMARC1') return { status: 'invalid', error: 'syntax' };
  const ruaText = tagValue(list, 'rua');
  const p = tagValue(list, 'p');
  if (p === undefined) return unusablePolicy('policy_missing', ruaText);
  const policy = asPolicy(p);
  if (policy === null) return unusablePolicy('policy_invalid', ruaText);

  const sp = tagValue(list, 'sp');
  const subdomainPolicy = sp === undefined ? null : asPolicy(sp);
  if (sp !== undefined && subdomainPolicy === null) return unusablePolicy('sp_invalid', ruaText);

  const pctText = tagValue(list, 'pct');
  let pct: number | null = null;
  if (pctText !== undefined) {
    if (!/^[0-9]{1,3}$/.test(pctText) || Number(pctText) > 100) return { status: 'invalid', error: 'pct_invalid' };
    pct = Number(pctText);
  }

  let rua: string[] = [];
  if (ruaText !== undefined) {
    // RFC 7489 6.3: "Any valid URI can be specified"; a receiver ignores the schemes it does not
    // support (mailto: is the one all must), so a record is not broken by, say, an https: URI.
    const uris = parseUriList(ruaText, 'any');
    if (uris === null) return { status: 'invalid', error: 'rua_invalid' };
    rua = uris;
  }
  const unusable = unusableReportingTag(list);
  if (unusable !== null) return { status: 'invalid', error: unusable };
  return { status: 'ok', policy, subdomainPolicy, pct, rua };
}

/**
 * The tags that shape evaluation and reports but not the policy (RFC 7489 6.3/6.4): adkim and
 * aspf `r`/`s`, fo a `:` list of 0, 1, d and s, ri digits, rf a `:` list of report formats
 * (afrf, iodef; "a Mail Receiver observing a different value ... MAY ignore the entire DMARC
 * record"). A value outside these makes OpenDMARC refuse the whole record ("bad token value"), so
 * such a domain has no policy at its receivers: invalid, with the tag named.
 */
const REPORTING_TAGS: ReadonlyArray<readonly [tag: string, valid: RegExp, error: DmarcTagError]> = [
  ['adkim', /^[rs]$/i, 'adkim_invalid'],
  ['aspf', /^[rs]$/i, 'aspf_invalid'],
  ['fo', /^[01ds](?:[ \t]*:[ \t]*[01ds])*$/i, 'fo_invalid'],
  ['ri', /^[0-9]+$/, 'ri_invalid'],
  ['rf', /^(?:afrf|iodef)(?:[ \t]*:[ \t]*(?:afrf|iodef))*$/i, 'rf_invalid'],
];

type DmarcTagError = 'adkim_invalid' | 'aspf_invalid' | 'fo_invalid' | 'ri_invalid' | 'rf_invalid';

function unusableReportingTag(list: Extract<TagList, { status: 'ok' }>): DmarcTagError | null {
  for (const [tag, valid, error] of REPORTING_TAGS) {
    const value = tagValue(list, tag);
    if (value !== undefined && !valid.test(value)) return error;
  }
  return null;
}
