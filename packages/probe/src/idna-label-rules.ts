import { createRequire } from 'node:module';

/** tr46's generated Bidi-class tables (CommonJS, no types of its own); pinned to tr46 ~6.0 in the catalog. */
interface BidiClassTables {
  /** A character of Bidi class R, AL or AN: the name is a Bidi domain name (RFC 5893 1.4). */
  readonly bidiDomain: RegExp;
  readonly bidiS1LTR: RegExp;
  readonly bidiS1RTL: RegExp;
  readonly bidiS2: RegExp;
  readonly bidiS3: RegExp;
  readonly bidiS4EN: RegExp;
  readonly bidiS4AN: RegExp;
  readonly bidiS5: RegExp;
  readonly bidiS6: RegExp;
}

/**
 * The IDNA2008 rules on U-labels that Node's domainToASCII leaves out, or applies in part. It runs UTS #46 as
 * the WHATWG URL standard does, with CheckHyphens off, and Node 20's implementation (ada) applies the Bidi rule
 * only to labels that start with a right-to-left character, so "ab--ü.example", "ü-.example", "aא.example"
 * (Latin then Hebrew in one label) and "1א.example" all come back as A-labels. tr46 with CheckBidi refuses
 * them, as Python's idna and libidn2 refuse the first three (RFC 5891 4.2.3.1 and 4.2.3.4, RFC 5893 2): a
 * mixed-direction label is what a name shown to people can be spoofed with.
 *
 * The Bidi classes are tr46's tables (generated from the Unicode data; JavaScript's \p{} has no Bidi_Class),
 * loaded by require: an ESM import of the 72 KB CommonJS file would scan it first. tr46's own toASCII is not
 * used: its mapping table costs 35 ms at every start of `mxv check`, and Node already does the mapping.
 */
const bidiClasses = createRequire(import.meta.url)('tr46/lib/regexes.js') as BidiClassTables;
/** RFC 3492, the npm package (tr46's own), not Node's deprecated built-in of the same name. */
const punycode = createRequire(import.meta.url)('punycode/punycode.js') as { decode(input: string): string };

/**
 * Which rule a name breaks: "a_label", an xn-- label that is no Punycode of a Unicode label (RFC 5891 5.4);
 * "hyphen" (RFC 5891 4.2.3.1); "mark", a U-label that starts with a combining mark (RFC 5891 4.2.3.2: Node
 * refuses those its Unicode tables know, and takes ones newer than them, such as U+0CF3); "bidi" (RFC 5893).
 */
export type IdnaLabelRule = 'a_label' | 'hyphen' | 'mark' | 'bidi';

/** The rule a name in A-label form (lower case, as normalizeDomain produces it) breaks, null for none. */
export function brokenIdnaLabelRule(asciiDomain: string): IdnaLabelRule | null {
  const asciiLabels = asciiDomain.split('.');
  if (!asciiLabels.some((label) => label.startsWith('xn--'))) return null;
  const labels: string[] = [];
  const uLabels: string[] = [];
  for (const label of asciiLabels) {
    if (!label.startsWith('xn--')) {
      labels.push(label);
      continue;
    }
    const decoded = decodeALabel(label);
    if (decoded === null) return 'a_label';
    labels.push(decoded);
    uLabels.push(decoded);
  }
  return brokenLabelRule(labels, uLabels);
}

/**
 * The rule a name in Unicode that Node refused breaks, null for none or when it cannot tell: a hint for a
 * refusal, never a verdict. Node's mapping is approximated by NFKC and lower case (UTS #46 maps ① to 1).
 */
export function brokenUnicodeLabelRule(unicodeDomain: string): IdnaLabelRule | null {
  const labels = unicodeDomain
    .normalize('NFKC')
    .toLowerCase()
    .split(/[.\u3002\uff0e\uff61]/);
  return brokenLabelRule(labels, labels.filter(hasNonAscii));
}

function brokenLabelRule(labels: readonly string[], uLabels: readonly string[]): IdnaLabelRule | null {
  if (uLabels.some(breaksHyphenRule)) return 'hyphen';
  if (uLabels.some((label) => LEADING_MARK.test(label))) return 'mark';
  // RFC 5893 1.4: a Bidi domain name holds a right-to-left character somewhere; then every label, ASCII
  // ones included, must satisfy the Bidi rule (as UTS #46 CheckBidi and browsers apply it).
  return bidiClasses.bidiDomain.test(labels.join('.')) && !labels.every(satisfiesBidiRule) ? 'bidi' : null;
}

/** Whether the text holds a character outside ASCII. */
export function hasNonAscii(text: string): boolean {
  return NON_ASCII.test(text);
}

const NON_ASCII = /[^\x00-\x7f]/;

/** A combining mark first (General_Category M, as this V8's Unicode data has it). */
const LEADING_MARK = /^\p{M}/u;

/** The U-label of an A-label, null when it is no Punycode or decodes to ASCII alone (RFC 5890 2.3.2.1). */
export function decodeALabel(label: string): string | null {
  try {
    const decoded = punycode.decode(label.slice('xn--'.length));
    return hasNonAscii(decoded) ? decoded : null;
  } catch {
    return null;
  }
}

/** RFC 5891 4.2.3.1: a U-label neither starts nor ends with a hyphen, nor has "--" in its third and fourth characters. */
function breaksHyphenRule(uLabel: string): boolean {
  const [, , third, fourth] = Array.from(uLabel);
  return uLabel.startsWith('-') || uLabel.endsWith('-') || (third === '-' && fourth === '-');
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
