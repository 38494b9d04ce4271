import { EXTENSION_TAG_NAME, parseTagList, parseUriList, tagValue } from './tag-list.js';

/**
 * RFC 8460 3: `v=TLSRPTv1; rua=<mailto: or https: URIs, comma-separated>`, v first, rua required;
 * other fields are extensions, named by tlsrpt-ext-name (`x-vendor`, `ext.name`), and ignored.
 */
export type TlsRptRecord =
  { status: 'ok'; rua: string[] } | { status: 'invalid'; error: 'syntax' | 'rua_missing' | 'rua_invalid' };

const RUA_SCHEMES = ['mailto', 'https'] as const;

export function parseTlsRptRecord(text: string): TlsRptRecord {
  const list = parseTagList(text, EXTENSION_TAG_NAME);
  if (list.status === 'invalid') return { status: 'invalid', error: 'syntax' };
  const first = list.tags[0];
  if (first?.[0] !== 'v' || first[1] !== 'TLSRPTv1') return { status: 'invalid', error: 'syntax' };
  const rua = tagValue(list, 'rua');
  if (rua === undefined) return { status: 'invalid', error: 'rua_missing' };
  const uris = parseUriList(rua, RUA_SCHEMES);
  return uris === null ? { status: 'invalid', error: 'rua_invalid' } : { status: 'ok', rua: uris };
}
