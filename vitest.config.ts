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
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
