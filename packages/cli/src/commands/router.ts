import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { watchParent } from './parent-watch.js';
import { action, exitCodesForUsage, loadTopology, resolveSecrets } from './topology-shared.js';

export interface RouterCommandOptions {
  config?: string;
  port?: number;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return port;
}

/** Starts the geo-router for a topology file, with secrets from the environment, config or secrets.json. */
export async function startRouterFromConfig(options: RouterCommandOptions): Promise<MeridianRouter> {
  const loaded = loadTopology(options.config);
  const secrets = resolveSecrets(loaded, false);
  const config = { ...loaded.config, auth: { ...loaded.config.auth, ...secrets } };
  const metricsToken = process.env['MERIDIAN_METRICS_TOKEN'];
  return startRouter({
    config,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(metricsToken === undefined ? {} : { metricsToken }),
  });
}

function stopOnSignals(router: MeridianRouter): void {
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    console.error(`meridian router: ${why}, shutting down`);
    router.close().then(
      () => {
        process.exitCode = 0;
        setTimeout(() => process.exit(), 2000).unref();
      },
      (error: unknown) => {
        console.error('meridian router: shutdown failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  watchParent(stop);
}

export function registerRouterCommand(program: Command): void {
  const command = program
    .command('router')
    .description('run the geo-router: reads to the nearest healthy region, writes to the primary')
    .option('--config <path>', 'topology file (default: ./regions.yaml, else the built-in five-region default)')
    .option('--port <port>', 'listen on this port instead of router.port (0 = any free port)', parsePort)
    .addHelpText(
      'after',
      `
Clients say where they are with x-meridian-region: <region> or x-meridian-location: <lat>,<lon>,
and how fresh a read must be with x-meridian-consistency: eventual | session | bounded=<ms> | strong.

Examples:
  $ meridian router --config regions.yaml
  $ curl -H "Authorization: Bearer $MERIDIAN_TOKEN" -H "x-meridian-region: eu-west-1" http://127.0.0.1:7700/get/greeting`,
    );
  exitCodesForUsage(command);
  command.action(
    action(command, async (options: RouterCommandOptions) => {
      const router = await startRouterFromConfig(options);
      console.log(JSON.stringify({ event: 'ready', region: 'router', url: router.url }));
      stopOnSignals(router);
    }),
  );
}
