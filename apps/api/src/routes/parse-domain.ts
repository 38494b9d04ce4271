import { jobIdFor } from '@mxv/fleet';
import { normalizeDomain } from '@mxv/probe';
import { ApiError } from '../errors/api-error.js';

export type ParsedDomain = { status: 'valid'; domain: string } | { status: 'invalid'; reason: string; input: string };

/** The input forms `mxv check` accepts (case, trailing dot, Unicode, an e-mail address), normalized the same way. */
export function parseDomain(input: string): ParsedDomain {
  const normalized = normalizeDomain(input);
  if (normalized.status === 'invalid') return { status: 'invalid', reason: normalized.reason, input };
  // A name the queue cannot take as a job id is no mail domain either (RFC 3696 2: no all-numeric TLD).
  const id = jobIdFor(normalized.domain);
  if (id.status === 'invalid') return { status: 'invalid', reason: id.reason, input };
  return { status: 'valid', domain: normalized.domain };
}

export function domainOrThrow(input: string): string {
  const parsed = parseDomain(input);
  if (parsed.status === 'invalid') {
    throw new ApiError('invalid_domain', { reason: parsed.reason, message: `That is not a domain name (${parsed.reason})` });
  }
  return parsed.domain;
}
