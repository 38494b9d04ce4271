/** SGR sequences (colours) the table writes: they take no column. */
const SGR = /\u001b\[[0-9;]*m/g;

/** The columns a line takes on a terminal (its colours aside; every other character counted as one). */
export function visibleLength(text: string): number {
  return text.replace(SGR, '').length;
}

/**
 * One note line of the table cut into lines of at most `width` columns at spaces, the later ones indented
 * by `indent` spaces, so that a paragraph of advice reads as one block under its label instead of running
 * from the left edge when the terminal wraps it. A word longer than the room stays whole. A colour opened
 * on one line and closed on a later one carries over, as a terminal keeps it.
 */
export function wrapLine(line: string, width: number, indent: number): string {
  if (width <= indent + 10 || visibleLength(line) <= width) return line;
  const lead = line.length - line.trimStart().length;
  const out: string[] = [];
  let current = line.slice(0, lead);
  let currentLength = lead;
  let empty = true;
  // Words with the run of spaces before each: a break drops that run (no line ends or starts with the two
  // spaces between columns), and where there is no break it is kept as it was.
  const parts = line.slice(lead).split(/( +)/);
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i] ?? '';
    const gap = i === 0 ? '' : (parts[i - 1] ?? '');
    if (word === '') continue;
    const length = visibleLength(word);
    if (!empty && currentLength + gap.length + length > width) {
      out.push(current);
      current = `${' '.repeat(indent)}${word}`;
      currentLength = indent + length;
      continue;
    }
    current = empty ? `${current}${word}` : `${current}${gap}${word}`;
    currentLength += (empty ? 0 : gap.length) + length;
    empty = false;
  }
  out.push(current);
  return out.join('\n');
}

/**
 * Where a note line's continuation lines start: under the text after its label ("  192.0.2.1  certificate:
 * ..." continues under "certificate", "  security  DNSSEC ..." under "DNSSEC"), else 4 columns in.
 */
export function noteIndent(line: string): number {
  const visible = line.replace(SGR, '');
  const labelled = /^( *\S+ {2})/.exec(visible);
  return labelled?.[1] !== undefined ? labelled[1].length : visible.length - visible.trimStart().length + 2;
}
