#!/usr/bin/env node
/**
 * Bundles the built CLI (dist/main.js, from `tsc -b`) with its dependencies into
 * bundle/: what `./mxv`, the container image and the benchmarks run.
 *
 * Why: a worker process keeps every loaded module's source text and per-module
 * records on its heap. One module graph of ~700 files costs a worker about 19 MiB
 * more resident memory than the same code bundled (README "Fleet decisions",
 * worker memory), and start-up reads 8 chunks instead of hundreds of files.
 * Commands still load only what they use: each lazily imported command is a chunk
 * of its own (ESM code splitting).
 *
 * Whitespace and syntax are minified, names are kept: a stack trace still names
 * our functions; bundle/*.js.map maps them back (NODE_OPTIONS=--enable-source-maps).
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cliRoot = fileURLToPath(new URL('..', import.meta.url));
const workspaceRoot = join(cliRoot, '../..');
const entry = join(cliRoot, 'dist/main.js');
const outdir = join(cliRoot, 'bundle');

/**
 * Our packages load CommonJS dependencies with `createRequire(import.meta.url)('name')`
 * (Node would otherwise scan each one's source for named exports on import). A
 * bundler cannot follow that call, and in bundle/ the require would resolve
 * from the wrong directory (pnpm gives each package only its own dependencies):
 * turned into a plain `require('name')` here, the dependency is bundled like the rest.
 */
const CREATE_REQUIRE_CALL = /\bcreateRequire\(import\.meta\.url\)\(\s*(['"][^'"]+['"])\s*\)/g;
const ownCreateRequire = {
  name: 'mxv-create-require',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/](packages|apps)[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('createRequire(')) return undefined;
      // create-logger.ts keeps the function (`const require = createRequire(import.meta.url)`) for a lazy require.
      const contents = source
        .replace(CREATE_REQUIRE_CALL, 'require($1)')
        .replace(/\bconst require = createRequire\(import\.meta\.url\);/, '');
      return { contents, loader: 'js' };
    });
  },
};

/**
 * The queue dashboard (@bull-board/ui) is a built page served from its package
 * directory, which bull-board finds with a `require.resolve` a bundle cannot
 * keep: its files are copied beside the bundle, where apps/api looks first
 * (admin-queues.ts, `bundledUiDir`).
 */
function copyBullBoardUi() {
  const fromApi = createRequire(join(cliRoot, '../api/package.json'));
  const fromBoard = createRequire(fromApi.resolve('@bull-board/api'));
  const uiDir = dirname(fromBoard.resolve('@bull-board/ui/package.json'));
  const target = join(outdir, 'bull-board-ui');
  cpSync(join(uiDir, 'package.json'), join(target, 'package.json'));
  cpSync(join(uiDir, 'dist'), join(target, 'dist'), { recursive: true, dereference: true });
}

if (!existsSync(entry)) {
  process.stderr.write(`bundle: ${entry} is missing: run tsc -b first\n`);
  process.exit(1);
}
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [entry],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ESM builds first where a package has both: one copy of each, and import() of a package keeps its named exports.
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  // CommonJS dependencies inside an ESM bundle still require Node's built-ins.
  banner: {
    js: "import { createRequire as __mxvCreateRequire } from 'node:module'; const require = __mxvCreateRequire(import.meta.url);",
  },
  plugins: [ownCreateRequire],
  logLevel: 'warning',
  metafile: true,
  absWorkingDir: workspaceRoot,
});
copyBullBoardUi();
/**
 * Which source files each chunk holds (paths from the workspace root), for the
 * start-up test (apps/cli/test/startup-modules.test.ts): it counts what a
 * command loads by file, and a chunk is many.
 */
const chunkInputs = Object.fromEntries(
  Object.entries(result.metafile.outputs)
    .filter(([path]) => path.endsWith('.js'))
    .map(([path, output]) => [relative(outdir, join(workspaceRoot, path)), Object.keys(output.inputs)]),
);
writeFileSync(join(outdir, 'chunk-inputs.json'), `${JSON.stringify(chunkInputs)}\n`);
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
const chunks = Object.keys(result.metafile.outputs).filter((path) => path.endsWith('.js')).length;
process.stderr.write(
  `mxv: bundled the CLI into ${chunks} chunks, ${(bytes / 1048576).toFixed(1)} MiB with source maps (apps/cli/bundle)\n`,
);
