import { registerCertsCommand } from './commands/certs.js';
import { Command } from 'commander';
import { registerNodeCommand } from './commands/node.js';
import { registerUpCommand } from './commands/up.js';
import { registerRouterCommand } from './commands/router.js';
import { registerStatusCommand } from './commands/status.js';
import { registerExecCommand } from './commands/exec.js';
import { registerLagCommand } from './commands/lag.js';
import { registerExperimentCommands } from './commands/experiment.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerFailoverCommand } from './commands/failover.js';
import { registerCalibrateCommand } from './commands/calibrate.js';

/** The `meridian` command line. Each subcommand registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command();
  program.name('meridian').description('Self-hostable, multi-region, Upstash-compatible Redis').showHelpAfterError();
  registerNodeCommand(program);
  registerUpCommand(program);
  registerRouterCommand(program);
  registerStatusCommand(program);
  registerExecCommand(program);
  registerLagCommand(program);
  registerExperimentCommands(program);
  registerDashboardCommand(program);
  registerFailoverCommand(program);
  registerCertsCommand(program);
  registerCalibrateCommand(program);
  return program;
}

/** Runs the CLI; operating errors print one line and set a non-zero exit code. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    console.error(`meridian: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
