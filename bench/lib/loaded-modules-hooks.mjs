/** Module hooks of loaded-modules.mjs: appends the path of every file: URL loaded. */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let file = null;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  // Written synchronously: the process may end with process.exit() right after.
  if (file && url.startsWith('file:')) appendFileSync(file, `${fileURLToPath(url)}\n`);
  return nextLoad(url, context);
}
