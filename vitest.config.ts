import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = [
  'engine',
  'script',
  'lag',
  'core',
  'store',
  'rest',
  'metrics',
  'resp',
  'replication',
  'node',
  'topology',
  'router',
  'sim',
  'cli',
];

export default defineConfig({
  resolve: {
    alias: packages.map((name) => ({
      find: `@meridian/${name}`,
      replacement: fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
    })),
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // The packages' own tests share one process and its module cache (isolate: false): re-importing
      // the engine and its neighbours for each of ~140 files cost more than the tests did (engine:
      // 51 s of imports for 36 s of tests). They keep no state between files.
      {
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['packages/cli/test/**'],
          isolate: false,
        },
      },
      // Tests that start processes, servers by the hundred connections and browsers each get a fresh
      // process: what one leaves behind (a socket reset late, a child's exit) must not land in another.
      {
        extends: true,
        test: {
          name: 'system',
          include: ['packages/cli/test/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
    ],
  },
});
