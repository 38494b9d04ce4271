import { parseTagList, parseUriList, tagValue } from './tag-list.js';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DmarcRecordFields {
  policy: DmarcPolicy;
  subdomainPolicy: DmarcPolicy | null;
  pct: number | null;
  rua: string[];
}

/**
 * RFC 7489 6.3/6.4: `v=DMARC1` first, then `p` (required), `sp`, `pct`
 * (0-100), `rua` (URIs), among others. Unknown tags are ignored (6.3: "MUST
 * be ignored"), but a known tag with a value outside its grammar makes the
 * record invalid, so the reason is shown rather than a silently different policy.
 */
export type DmarcRecord =
  | ({ status: 'ok' } & DmarcRecordFields)
  | {
      status: 'invalid';
      error: 'syntax' | 'policy_missing' | 'policy_invalid' | 'sp_invalid' | 'pct_invalid' | 'rua_invalid';
    };

const POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

function asPolicy(value: string): DmarcPolicy | null {
  const lower = value.toLowerCase();
  return (POLICIES as readonly string[]).includes(lower) ? (lower as DmarcPolicy) : null;
}

export function parseDmarcRecord(text: string): DmarcRecord {
  const list = parseTagList(text);
  if (list.status === 'invalid') return { status: 'invalid', error: 'syntax' };
  const first = list.tags[0];
  if (first?.[0] !== 'v' || first[1] !== 'DMARC1') return { status: 'invalid', error: 'syntax' };
  const p = tagValue(list, 'p');
  if (p === undefined) return { status: 'invalid', error: 'policy_missing' };
  const policy = asPolicy(p);
  if (policy === null) return { status: 'invalid', error: 'policy_invalid' };

  const sp = tagValue(list, 'sp');
  const subdomainPolicy = sp === undefined ? null : asPolicy(sp);
  if (sp !== undefined && subdomainPolicy === null) return { status: 'invalid', error: 'sp_invalid' };

  const pctText = tagValue(list, 'pct');
  let pct: number | null = null;
  if (pctText !== undefined) {
    if (!/^[0-9]{1,3}$/.test(pctText) || Number(pctText) > 100) return { status: 'invalid', error: 'pct_invalid' };
    pct = Number(pctText);
  }

  const ruaText = tagValue(list, 'rua');
  let rua: string[] = [];
  if (ruaText !== undefined) {
    // RFC 7489 6.2 names mailto: as the scheme every receiver supports; others are accepted as URIs.
    const uris = parseUriList(ruaText, ['mailto', 'https', 'http']);
    if (uris === null) return { status: 'invalid', error: 'rua_invalid' };
    rua = uris;
  }
  return { status: 'ok', policy, subdomainPolicy, pct, rua };
}
