import { describe, expect, it } from 'vitest';
import { replyClass, unwantedReplyReason, type ReplyClass } from '@mxv/probe';

describe('replyClass', () => {
  // RFC 5321 4.2.1: the first digit decides; the reply reader lets any three digits through.
  const cases: Array<[number, ReplyClass]> = [
    [200, 'positive'],
    [220, 'positive'],
    [250, 'positive'],
    [299, 'positive'],
    [354, 'intermediate'],
    [300, 'intermediate'],
    [399, 'intermediate'],
    [400, 'transient'],
    [421, 'transient'],
    [454, 'transient'],
    [499, 'transient'],
    [500, 'permanent'],
    [502, 'permanent'],
    [554, 'permanent'],
    [599, 'permanent'],
    [0, 'unknown'],
    [199, 'unknown'],
    [600, 'unknown'],
    [999, 'unknown'],
    [-421, 'unknown'],
    [250.5, 'unknown'],
    [Number.NaN, 'unknown'],
  ];
  it.each(cases)('%d is %s', (code, expected) => {
    expect(replyClass(code)).toBe(expected);
  });
});

describe('unwantedReplyReason', () => {
  const greeting = { transient: 'greeting_tempfail', permanent: 'greeting_rejected', otherwise: 'greeting_unexpected' };
  const helo = { transient: 'helo_tempfail', otherwise: 'helo_rejected' };
  const cases: Array<[string, number, typeof greeting | typeof helo, string]> = [
    ['a 4xx greeting', 421, greeting, 'greeting_tempfail'],
    ['a 5xx greeting', 554, greeting, 'greeting_rejected'],
    ['a 2xx greeting that is not 220', 250, greeting, 'greeting_unexpected'],
    ['a 3xx greeting', 354, greeting, 'greeting_unexpected'],
    ['a greeting code outside 2xx-5xx', 600, greeting, 'greeting_unexpected'],
    ['a 4xx to HELO', 450, helo, 'helo_tempfail'],
    ['a 5xx to HELO, with no word of its own for 5xx', 550, helo, 'helo_rejected'],
    ['a 2xx to HELO that is not 250', 220, helo, 'helo_rejected'],
    ['a code outside 2xx-5xx to HELO', 100, helo, 'helo_rejected'],
  ];
  it.each(cases)('%s → %s', (_name, code, reasons, expected) => {
    expect(unwantedReplyReason(code, reasons)).toBe(expected);
  });
});
