/**
 * One Server-Sent Event, framed so that nothing in `data` can end it early:
 * every line of the data gets its own `data:` prefix (the client joins them
 * with \n again, WHATWG HTML 9.2.6), so a stored value holding a line break
 * cannot add an `event:` of its own. JSON has no raw line breaks, and the store
 * refuses values that do; this is the second wall. `id` and `event` are ours,
 * kept to one line all the same.
 */
export function sseEvent(event: string, data: string, id: string | null = null): string {
  const lines = data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n');
  return `${id === null ? '' : `id: ${oneLine(id)}\n`}event: ${oneLine(event)}\n${lines}\n\n`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, '');
}
