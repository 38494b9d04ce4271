import { EXTENSION_TAG_NAME } from './tag-list.js';
import { hasVersionTag } from './txt-lookup.js';

/** RFC 8461 3.1: `v=STSv1; id=<1-32 letters and digits>;`, v first. */
export type StsTxtRecord = { status: 'ok'; id: string } | { status: 'invalid'; error: 'txt_syntax' | 'txt_id' };

const STS_VERSION = 'v=STSv1';
const POLICY_ID = /^[A-Za-z0-9]{1,32}$/;

/**
 * Whether a TXT record at `_mta-sts.<domain>` is an STS record at all. RFC 8461
 * 3.1: "records that do not begin with v=STSv1; are discarded" before they are
 * counted, and %s"v=STSv1" is case-sensitive: `v=stsv1;` is somebody else's
 * record (Postfix's resolver and mox skip it), not a second or a broken policy.
 */
export function isStsTxtRecord(text: string): boolean {
  return text.startsWith(STS_VERSION) && hasVersionTag(text, STS_VERSION);
}

/**
 * `v=STSv1` then `;`-separated `name=value` fields, whitespace around the `;`,
 * a trailing `;` allowed. Not DKIM's tag-list (tag-list.ts): the names are
 * sts-ext-names, and a repeated field is not an error, its first value is used
 * (RFC 8461 3.2, last paragraph, which covers TXT records and policies alike).
 */
export function parseStsTxtRecord(text: string): StsTxtRecord {
  const fields = text.split(';').map((field) => field.trim());
  if (fields.length > 1 && fields.at(-1) === '') fields.pop();
  const [version, ...rest] = fields;
  if (version !== STS_VERSION) return { status: 'invalid', error: 'txt_syntax' };
  let id: string | undefined;
  for (const field of rest) {
    const eq = field.indexOf('=');
    const name = field.slice(0, eq).trim();
    if (eq <= 0 || !EXTENSION_TAG_NAME.test(name)) return { status: 'invalid', error: 'txt_syntax' };
    if (name.toLowerCase() === 'id') id ??= field.slice(eq + 1).trim();
  }
  if (id === undefined || !POLICY_ID.test(id)) return { status: 'invalid', error: 'txt_id' };
  return { status: 'ok', id };
}
