import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of workspace packages (export
// condition "mxv-source"), not their dist, so a stale build cannot hide a change.
const conditions = ['mxv-source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test files wait on sockets, child processes and timers more than they compute: one file more than
    // there are CPUs (vitest's default is one fewer) halves the suite's wall time on a 2-CPU machine.
    maxWorkers: availableParallelism() + 1,
    // `pnpm exec` sets NODE_PATH to pnpm's store of every package: a CLI the tests spawn (the
    // bundle, apps/cli/bundle) would then find packages a user's install does not give it.
    env: { NODE_PATH: '' },
  },
});
