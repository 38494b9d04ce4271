import { parseTagList, tagValue } from './tag-list.js';

/** RFC 8461 3.1: `v=STSv1; id=<1-32 letters and digits>;`, v first. */
export type StsTxtRecord = { status: 'ok'; id: string } | { status: 'invalid'; error: 'txt_syntax' | 'txt_id' };

const POLICY_ID = /^[A-Za-z0-9]{1,32}$/;

export function parseStsTxtRecord(text: string): StsTxtRecord {
  const list = parseTagList(text);
  if (list.status === 'invalid') return { status: 'invalid', error: 'txt_syntax' };
  const first = list.tags[0];
  if (first?.[0] !== 'v' || first[1] !== 'STSv1') return { status: 'invalid', error: 'txt_syntax' };
  const id = tagValue(list, 'id');
  if (id === undefined || !POLICY_ID.test(id)) return { status: 'invalid', error: 'txt_id' };
  return { status: 'ok', id };
}
