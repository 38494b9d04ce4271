import { jobIdFor } from '@mxv/fleet';
import { normalizeDomain, normalizeStoredDomain } from '@mxv/probe';
import { ApiError } from '../errors/api-error.js';

export type ParsedDomain = { status: 'valid'; domain: string } | { status: 'invalid'; reason: string; input: string };

/** The input forms `mxv check` accepts (case, trailing dot, Unicode, an e-mail address), normalized the same way. */
export function parseDomain(input: string, normalize: typeof normalizeDomain = normalizeDomain): ParsedDomain {
  const normalized = normalize(input);
  if (normalized.status === 'invalid') return { status: 'invalid', reason: normalized.reason, input };
  // A name the queue cannot take as a job id is no mail domain either (RFC 3696 2: no all-numeric TLD).
  const id = jobIdFor(normalized.domain);
  if (id.status === 'invalid') return { status: 'invalid', reason: id.reason, input };
  return { status: 'valid', domain: normalized.domain };
}

/**
 * The inputs of a bulk request (POST /v1/checks, /v1/watches), each parsed alone: one too long is listed as
 * invalid (too_long), as a too long line of `mxv enqueue` is, rather than refusing the whole request; its echo
 * is cut to maxInputChars (the body limit bounds the request). `stored`: names to remove, read by
 * normalizeStoredDomain.
 */
export function splitDomainInputs(
  inputs: readonly string[],
  maxInputChars: number,
  stored = false,
): { valid: string[]; invalidInputs: Array<{ input: string; reason: string }> } {
  const valid: string[] = [];
  const invalidInputs: Array<{ input: string; reason: string }> = [];
  for (const input of inputs) {
    if (input.length > maxInputChars) {
      invalidInputs.push({ input: cutAt(input, maxInputChars), reason: 'too_long' });
      continue;
    }
    const parsed = parseDomain(input, stored ? normalizeStoredDomain : normalizeDomain);
    if (parsed.status === 'valid') valid.push(parsed.domain);
    else invalidInputs.push({ input: parsed.input, reason: parsed.reason });
  }
  return { valid, invalidInputs };
}

/** The domain of a path parameter, or invalid_domain; an input past the input bound is too_long, unparsed. */
export function domainOrThrow(input: string, maxInputChars: number): string {
  const parsed: ParsedDomain =
    input.length > maxInputChars ? { status: 'invalid', reason: 'too_long', input: '' } : parseDomain(input);
  if (parsed.status === 'invalid') {
    throw new ApiError('invalid_domain', { reason: parsed.reason, message: `That is not a domain name (${parsed.reason})` });
  }
  return parsed.domain;
}

/** The first `chars` UTF-16 units of text, one fewer where the cut would split a surrogate pair. */
function cutAt(text: string, chars: number): string {
  const last = text.charCodeAt(chars - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? chars - 1 : chars);
}
