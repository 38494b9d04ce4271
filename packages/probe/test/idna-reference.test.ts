import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '@mxv/probe';

/**
 * normalizeDomain's IDNA against Debian's python3-idna (IDNA2008, RFC 5891 and 5893, with its UTS #46 mapping),
 * on the same inputs: both give the same A-labels, or both refuse. The inputs avoid where the two are meant to
 * differ: emoji and other symbols (UTS #46 keeps them, IDNA2008 does not), CONTEXTO rules and characters newer
 * than python3-idna's Unicode 14. Two differences are ours on purpose, tested in normalize-domain.test.ts: in a
 * name with a right-to-left label, python3-idna holds only labels with right-to-left characters to the Bidi rule
 * ("3com.xn--mgbh0fb" passes), where RFC 5893 1.4 and UTS #46 hold every label to it; and it refuses "--" in
 * the third and fourth places of any label of a Unicode input, where mxv refuses it in U-labels only, as an
 * ASCII label such as r3---sn-abc (a real host name) is accepted in ASCII input.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = `
import idna, json, sys
out = []
for name in json.load(sys.stdin):
    try:
        out.append(idna.encode(name, uts46=True).decode('ascii'))
    except idna.IDNAError:
        out.append(None)
print(json.dumps(out))
`;
const probe = spawnSync(PYTHON, ['-c', 'import idna'], { encoding: 'utf8' });
const missing = probe.status === 0 ? null : `${PYTHON} with python3-idna (apt-get install python3-idna)`;

const INPUTS = [
  'bücher.example',
  'BÜCHER.example',
  'faß.example',
  'пример.испытание',
  'مثال.إختبار',
  'mx1.مثال.example',
  'שלום.example',
  '\u05d01.example',
  '例え.テスト',
  'ab--ü.example',
  'xn--ab---3ra.example',
  'ü-.example',
  '-ü.example',
  'xn----dha.example',
  'a\u05d0.example',
  'xn--a-0hc.example',
  '\u05d0a.example',
  '1\u05d0.example',
  '\u0661\u0662\u0663.example',
  '\u0627\u0661.example',
  '\u0627\u0661\u06f1.example', // AN beside EN in a right-to-left label (rule 4)
  'a\u200db.example',
  '\u0308a.example',
  '\u1715a.example', // a combining mark first that Node 20's tables take (Unicode 14)
  'xn--zz.example',
  '\u{20000}--x.example', // a character outside the BMP: two UTF-16 units, one character
  'a\u{20000}--b.example',
  '\u{20000}a--b.example',
];

describe.skipIf(missing !== null)(`IDNA against python3-idna${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
  it('the same A-label or the same refusal for each input', () => {
    const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(INPUTS), encoding: 'utf8', timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    const reference = JSON.parse(run.stdout) as (string | null)[];
    const ours = INPUTS.map((input) => {
      const normalized = normalizeDomain(input);
      return normalized.status === 'valid' ? normalized.domain : null;
    });
    expect(ours.map((domain, index) => [INPUTS[index], domain])).toEqual(
      reference.map((domain, index) => [INPUTS[index], domain]),
    );
    // Not a table of refusals: both sides accept some and refuse some.
    expect(reference.filter((domain) => domain === null).length).toBeGreaterThan(5);
    expect(reference.filter((domain) => domain !== null).length).toBeGreaterThan(5);
  });
});
