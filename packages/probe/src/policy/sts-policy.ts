import { isValidMxPattern } from './mx-pattern.js';

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  mode: StsMode;
  mx: string[];
  maxAge: number;
}

export type StsPolicyError =
  'policy_syntax' | 'policy_version' | 'policy_mode' | 'policy_max_age' | 'policy_mx_missing' | 'policy_mx_invalid';

export type StsPolicyParse = { status: 'ok'; policy: StsPolicy } | { status: 'invalid'; error: StsPolicyError };

/** RFC 8461 3.2: max_age is at most 31557600 seconds (about a year). */
export const STS_MAX_AGE_LIMIT = 31_557_600;

// sts-policy-ext-name (RFC 8461 3.2) may begin with a digit; the known keys fit it too.
const FIELD = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*(.*?)[ \t]*$/;
// Anything but the line ends, tab and printable text: a NUL or another control byte is not a policy.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * The policy body of RFC 8461 3.2: `key: value` lines ended by CRLF or LF.
 * `version`, `mode` and `max_age` are required; `mx` once or more (none only in
 * mode `none`, which asserts nothing); other keys are ignored (extensions). A
 * repeated key other than `mx` is not an error: "all entries except for the
 * first SHOULD be ignored" (3.2, last paragraph), and senders do take such a
 * policy, so calling it invalid would misreport one that is in force.
 */
export function parseStsPolicy(body: string): StsPolicyParse {
  if (CONTROL.test(body)) return { status: 'invalid', error: 'policy_syntax' };
  const single = new Map<string, string>();
  const mx: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    // A line of blanks is taken for an empty one, as the empty one is (RFC 8461 3.2 has neither): an editor's
    // stray spaces, and postfix-mta-sts-resolver, which strips each line, applies such a policy.
    if (line === '' || /^[ \t]+$/.test(line)) continue;
    const match = FIELD.exec(line);
    if (match === null) return { status: 'invalid', error: 'policy_syntax' };
    // %s"version", %s"mode", ... (RFC 8461 3.2): names are case-sensitive, "MODE" is some extension's field.
    const key = match[1] ?? '';
    const value = match[2] ?? '';
    if (key === 'mx') {
      mx.push(value);
    } else if (key === 'version' || key === 'mode' || key === 'max_age') {
      if (!single.has(key)) single.set(key, value);
    }
  }
  if (single.get('version') !== 'STSv1') return { status: 'invalid', error: 'policy_version' };
  const mode = single.get('mode');
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') return { status: 'invalid', error: 'policy_mode' };
  const maxAgeText = single.get('max_age') ?? '';
  if (!/^[0-9]{1,10}$/.test(maxAgeText) || Number(maxAgeText) > STS_MAX_AGE_LIMIT) {
    return { status: 'invalid', error: 'policy_max_age' };
  }
  if (mx.length === 0 && mode !== 'none') return { status: 'invalid', error: 'policy_mx_missing' };
  if (!mx.every(isValidMxPattern)) return { status: 'invalid', error: 'policy_mx_invalid' };
  return { status: 'ok', policy: { mode, mx, maxAge: Number(maxAgeText) } };
}
