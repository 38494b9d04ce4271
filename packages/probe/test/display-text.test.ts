import { describe, expect, it } from 'vitest';
import { digText, stripControls, visibleInput } from '../src/display-text.js';

/** What a hostile zone or server sends to act on the terminal of whoever reads the result. */
const ESC_SGR = '\u001b[31m';
const C1_CSI = '\u009b2K';
const OSC52_BEL = '\u001b]52;c;ZXZpbA==\u0007';
const RLO = '\u202e';
const PDI = '\u2069';
const ZWSP = '\u200b';

/** Whether text holds anything a terminal or a bidi renderer acts on. */
const acts = (text: string) => /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text);

describe('stripControls: free text (banners, refusals, subjects, EDE, block-list reasons)', () => {
  it('removes C0, C1, DEL, format characters and line separators; a tab is a space', () => {
    expect(stripControls(`mx${ESC_SGR}.test\tESMTP${C1_CSI}${OSC52_BEL} <${RLO}KO${PDI}> a${ZWSP}b\u2028c\u007f`)).toBe(
      'mx[31m.test ESMTP2K]52;c;ZXZpbA== <KO> abc',
    );
  });

  it('leaves text of any script as it is', () => {
    const text = 'mx.例え.jp ESMTP Привет — ü';
    expect(stripControls(text)).toBe(text);
  });
});

describe('digText: a TXT record as dig writes it (RFC 1035 5.1)', () => {
  it('printable ASCII as it is, the backslash doubled, every other octet \\DDD', () => {
    expect(digText('v=spf1 ip4:192.0.2.1 -all')).toBe('v=spf1 ip4:192.0.2.1 -all');
    expect(digText('v=spf1\u00a0-all')).toBe('v=spf1\\194\\160-all');
    expect(digText(`v=spf1 ${ZWSP}-all`)).toBe('v=spf1 \\226\\128\\139-all');
    expect(digText(`v=DMARC1; p=none; x=${ESC_SGR}${C1_CSI}${RLO}\\`)).toBe(
      'v=DMARC1; p=none; x=\\027[31m\\194\\1552K\\226\\128\\174\\\\',
    );
    expect(digText('café')).toBe('caf\\195\\169');
  });

  it('never lets anything through that acts', () => {
    for (let code = 0; code < 0x3000; code++) expect(acts(digText(`a${String.fromCodePoint(code)}b`))).toBe(false);
    expect(acts(digText('\u{e0041}\u{1f600}'))).toBe(false);
  });
});

describe('visibleInput: a line someone gave, shown back', () => {
  it('keeps letters of any script and the space; writes what acts, other spaces and the backslash as \\DDD', () => {
    expect(visibleInput('bücher..example')).toBe('bücher..example');
    expect(visibleInput('not a domain!')).toBe('not a domain!');
    expect(visibleInput(`exam${ZWSP}ple.com`)).toBe('exam\\226\\128\\139ple.com');
    expect(visibleInput(`a${OSC52_BEL}b${C1_CSI}x.test`)).toBe('a\\027]52;c;ZXZpbA==\\007b\\194\\1552Kx.test');
    expect(visibleInput(`${RLO}moc.elpmaxe`)).toBe('\\226\\128\\174moc.elpmaxe');
    expect(visibleInput('a\u00a0b\\c')).toBe('a\\194\\160b\\\\c');
  });

  it('never lets anything through that acts', () => {
    for (let code = 0; code < 0x3000; code++) expect(acts(visibleInput(`a${String.fromCodePoint(code)}b`))).toBe(false);
  });
});
