import { describe, expect, it } from 'vitest';
import { checkResultSchema } from '@mxv/schema';
import { renderResultTable } from '../src/output/render-table.js';
import { terminalSafeJson } from '../src/output/terminal-safe-json.js';
import { runCli } from './run-cli.js';

/** Anything a terminal acts on, or a bidi renderer reorders, instead of showing. */
const ACTS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const plain = { green: String, red: String, yellow: String, dim: String, bold: String, cyan: String };
/** A line of an address list gathered from users: an OSC 52 clipboard write, a C1 CSI, a bidi override. */
const HOSTILE_LINE = 'a\u001b]52;c;ZXZpbA==\u0007b\u009b31m\u202eX.test';

describe('terminalSafeJson', () => {
  it('writes C1 controls, format characters and U+2028/2029 as \\u escapes: the same JSON value, nothing that acts', () => {
    const value = { text: `x\u009b2K\u202eKO\u202c\u2028\u{e0041}y\u007f`, plain: 'mx.example.com', ü: 'bücher' };
    const json = terminalSafeJson(value);
    expect(ACTS.test(json)).toBe(false);
    expect(JSON.parse(json)).toEqual(value);
    expect(json).toContain('\\u009b2K\\u202eKO\\u202c\\u2028\\udb40\\udc41y\\u007f');
    // Other text is left as JSON.stringify writes it.
    expect(terminalSafeJson({ plain: 'mx.example.com', ü: 'bücher' })).toBe(
      JSON.stringify({ plain: 'mx.example.com', ü: 'bücher' }),
    );
  });
});

describe('mxv check: an input line that is no domain name and is meant to act on the terminal', () => {
  it('the JSON keeps the line as given (escaped), the table shows it as \\DDD octets: nothing acts', async () => {
    // An invalid input asks no DNS question; --dns points at a loopback port nobody answers on all the same.
    const run = await runCli(['check', '--json', '--dns', '127.0.0.1:9', '--allow-net', '127.0.0.0/8', HOSTILE_LINE]);
    expect(ACTS.test(run.stdout.trim())).toBe(false);
    const result = checkResultSchema.parse(JSON.parse(run.stdout));
    expect(result).toMatchObject({ verdict: 'invalid', input: HOSTILE_LINE });
    const table = renderResultTable(result, plain);
    expect(ACTS.test(table)).toBe(false);
    expect(table).toContain('a\\027]52;c;zxzpba==\\007b\\194\\15531m\\226\\128\\174x.test');
  });
});
