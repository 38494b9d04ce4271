import { domainToUnicode } from 'node:url';
import bidiClasses from 'tr46/lib/regexes.js';

/**
 * The IDNA2008 rules on U-labels that Node's domainToASCII leaves out. It runs UTS #46 as the WHATWG URL
 * standard does, with CheckHyphens off, and Node 20's implementation (ada) does not apply the Bidi rule, so
 * "ab--ü.example", "ü-.example", "aא.example" (Latin then Hebrew in one label) and "1א.example" all come
 * back as A-labels. Python's idna, libidn2 and tr46 with CheckBidi refuse them (RFC 5891 4.2.3.1 and
 * 4.2.3.4, RFC 5893 2): a mixed-direction label is what a name shown to people can be spoofed with.
 *
 * The Bidi classes are tr46's tables (generated from the Unicode data; JavaScript's \p{} has no Bidi_Class).
 * tr46's own toASCII is not used: its mapping table costs 35 ms at every start of `mxv check`, and Node
 * already does the mapping; its regular expressions alone cost about 4 ms.
 */

/**
 * Which rule a name breaks: "a_label", an xn-- label that decodes to no valid U-label (RFC 5891 5.4); "hyphen"
 * (RFC 5891 4.2.3.1); "bidi" (RFC 5893).
 */
export type IdnaLabelRule = 'a_label' | 'hyphen' | 'bidi';

/**
 * The rule a name in A-label form (lower case, as normalizeDomain produces it) breaks, null for none.
 */
export function brokenIdnaLabelRule(asciiDomain: string): IdnaLabelRule | null {
  const asciiLabels = asciiDomain.split('.');
  if (!asciiLabels.some((label) => label.startsWith('xn--'))) return null;
  const labels = asciiLabels.map((label) => (label.startsWith('xn--') ? domainToUnicode(label) : label));
  const uLabels = labels.filter((_, index) => asciiLabels[index]?.startsWith('xn--'));
  if (uLabels.includes('')) return 'a_label';
  if (uLabels.some(breaksHyphenRule)) return 'hyphen';
  // RFC 5893 1.4: a Bidi domain name holds a right-to-left character somewhere; then every label, ASCII
  // ones included, must satisfy the Bidi rule (as UTS #46 CheckBidi and browsers apply it).
  return bidiClasses.bidiDomain.test(labels.join('.')) && !labels.every(satisfiesBidiRule) ? 'bidi' : null;
}

/** RFC 5891 4.2.3.1: a U-label neither starts nor ends with a hyphen, nor has "--" in its third and fourth places. */
function breaksHyphenRule(uLabel: string): boolean {
  return uLabel.startsWith('-') || uLabel.endsWith('-') || uLabel.slice(2, 4) === '--';
}

/** RFC 5893 2, its six conditions, on one label. */
function satisfiesBidiRule(label: string): boolean {
  const first = String.fromCodePoint(label.codePointAt(0) ?? 0);
  // 1: the first character is L (a left-to-right label) or R or AL (a right-to-left one).
  if (bidiClasses.bidiS1LTR.test(first)) {
    // 5: only L, EN, ES, CS, ET, ON, BN, NSM; 6: it ends with L or EN, then any NSM.
    return bidiClasses.bidiS5.test(label) && bidiClasses.bidiS6.test(label);
  }
  if (!bidiClasses.bidiS1RTL.test(first)) return false;
  // 2: only R, AL, AN, EN, ES, CS, ET, ON, BN, NSM; 3: it ends with R, AL, EN or AN, then any NSM;
  // 4: EN and AN never together.
  return (
    bidiClasses.bidiS2.test(label) &&
    bidiClasses.bidiS3.test(label) &&
    !(bidiClasses.bidiS4EN.test(label) && bidiClasses.bidiS4AN.test(label))
  );
}
