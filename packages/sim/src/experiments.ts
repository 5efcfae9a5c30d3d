import type { Command } from 'commander';
import { type ExperimentCommandHooks, type ExperimentPlugin, stalenessExperiment } from './cli-command.js';
import { costExperiment } from './cost-command.js';
import { failoverExperiment } from './failover-command.js';

/** Every experiment `meridian experiment` offers; a new one is a file exporting an ExperimentPlugin, added here. */
export const EXPERIMENTS: readonly ExperimentPlugin[] = [stalenessExperiment, costExperiment, failoverExperiment];

/** `meridian experiment …`: the CLI calls this once; every experiment adds its subcommand. */
export function registerExperimentCommand(
  program: Command,
  hooks: ExperimentCommandHooks = {},
  experiments: readonly ExperimentPlugin[] = EXPERIMENTS,
): Command {
  const experiment =
    program.commands.find((command) => command.name() === 'experiment') ??
    program.command('experiment').description('run experiments');
  for (const plugin of experiments) plugin.register(experiment, hooks);
  return experiment;
}
