/**
 * Preload (`node --import ./bench/lib/loaded-modules.mjs ...`) that writes every
 * module file the process loads to $MXV_LOADED_MODULES_FILE, one path a line
 * (duplicates possible; readers dedupe). Used by bench/startup.mjs and by the
 * CLI's start-up regression test.
 *
 * Two sources, because Node 20 has no single one: ESM files (and CommonJS files
 * imported from ESM) pass through the `load` hook of loaded-modules-hooks.mjs;
 * CommonJS files required from CommonJS never do, so at exit the CommonJS
 * loader's cache (`Module._cache`) is written too.
 */
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env['MXV_LOADED_MODULES_FILE'];
if (file) {
  register('./loaded-modules-hooks.mjs', import.meta.url, { data: { file } });
  process.on('exit', () => {
    const paths = Object.keys(Module._cache ?? {});
    if (paths.length > 0) appendFileSync(file, `${paths.join('\n')}\n`);
  });
}
