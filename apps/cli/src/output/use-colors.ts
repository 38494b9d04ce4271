/**
 * Whether output to a terminal gets colours: NO_COLOR (no-color.org: any non-empty value) turns them off,
 * FORCE_COLOR=0 (or "false") too, as Node's own tty and most CLIs read it; otherwise a terminal gets them.
 * Only a terminal: the table is printed only there, and colour codes in a file or a pipe are noise.
 */
export function useColors(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force === '0' || force === 'false') return false;
  return stream.isTTY === true;
}
