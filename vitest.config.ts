import { availableParallelism } from 'node:os';
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
    // Vitest's default is one worker fewer than the cpus: one on a 2-core machine. Most of the suite waits
    // on sockets, child processes and disks rather than the cpu, so two files at once take about 0.6 of the
    // time there (the whole suite passed this way on 2 cores with two other jobs running).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
