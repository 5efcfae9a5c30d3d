import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ExperimentCommandHooks, ExperimentPlugin } from './cli-command.js';
import { experimentOptionsFromFlags, flagNumber, flagRange } from './cli-command.js';
import { costCsv, costHtml, costLines, costOf, DEFAULT_PRICING, parsePricing } from './cost.js';
import { runStalenessExperiment } from './experiment.js';

interface CostFlags {
  config?: string;
  seed?: number;
  out: string;
  pricing?: string;
  durationMs?: number;
  writesPerSecond?: number;
  readsPerSecond?: number;
  publishesPerSecond?: number;
  keys?: number;
  valueBytes?: [number, number];
}

/**
 * `meridian experiment cost`: the simulated workload, scaled to a month, priced per request (as the seed
 * article gives Upstash's pay-as-you-go) and as fixed instances per region; the crossover and a chart.
 */
export const costExperiment: ExperimentPlugin = {
  name: 'cost',
  register: (experiment, hooks) => registerCost(experiment, hooks),
};

function registerCost(experiment: Command, hooks: ExperimentCommandHooks): void {
  experiment
    .command('cost')
    .description('price the simulated workload per request and as fixed instances per region; find the crossover')
    .option('--config <file>', 'topology (default: ./regions.yaml, else the built-in five-region default)')
    .option('--pricing <file>', 'prices (JSON; see pricing.json); default: the seed article’s 2026 figures')
    .option('--seed <n>', 'random seed', flagNumber)
    .option('--out <dir>', 'output folder', 'experiment-out')
    .option('--duration-ms <ms>', 'simulated workload length', flagNumber)
    .option('--writes-per-second <n>', 'open-loop write rate (all clients)', flagNumber)
    .option('--reads-per-second <n>', 'open-loop read rate (all clients)', flagNumber)
    .option('--publishes-per-second <n>', 'open-loop PUBLISH rate', flagNumber)
    .option('--keys <n>', 'number of keys (the stored data)', flagNumber)
    .option('--value-bytes <min-max>', 'value size range', flagRange)
    .addHelpText(
      'after',
      `
Writes cost.json, cost.csv (cost against traffic) and cost.html (with the chart) to --out.

Examples:
  $ meridian experiment cost
  $ meridian experiment cost --pricing pricing.json --writes-per-second 50 --reads-per-second 5000`,
    )
    .action(async (flags: CostFlags) => {
      const configPath = flags.config ?? hooks.defaultConfigPath?.() ?? 'regions.yaml';
      const options = await experimentOptionsFromFlags({ ...flags, mode: 'sim', config: configPath });
      const pricing =
        flags.pricing === undefined
          ? DEFAULT_PRICING
          : parsePricing(await readFile(flags.pricing, 'utf8'), flags.pricing);
      const { summary } = await runStalenessExperiment(options);
      const report = costOf(summary, options, pricing);
      await mkdir(flags.out, { recursive: true });
      await writeFile(join(flags.out, 'cost.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(flags.out, 'cost.csv'), costCsv(report));
      await writeFile(join(flags.out, 'cost.html'), costHtml(report));
      for (const line of costLines(report)) console.log(line);
      console.log(`wrote cost.json, cost.csv and cost.html to ${flags.out}`);
    });
}
