import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type MeridianRouter, type RouterOptions, startRouter } from '@meridian/router';
import { type Logger, reportTo } from '@meridian/metrics';
import { processLogger, secretsFrom } from './logging.js';
import { watchParent } from './parent-watch.js';
import {
  action,
  exitCodesForUsage,
  type LoadedTopology,
  loadTopology,
  readTlsMaterial,
  resolveSecrets,
  type TlsFlags,
  withTlsFlags,
} from './topology-shared.js';

export interface RouterCommandOptions extends TlsFlags {
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
export async function startRouterFromConfig(options: RouterCommandOptions, logger?: Logger): Promise<MeridianRouter> {
  const loaded = loadTopology(options.config);
  const secrets = resolveSecrets(loaded, false);
  const config = { ...loaded.config, auth: { ...loaded.config.auth, ...secrets } };
  const metricsToken = process.env['MERIDIAN_METRICS_TOKEN'];
  logger?.addSecrets([config.auth.token, config.auth.readonlyToken, config.auth.adminToken, metricsToken]);
  return startRouter({
    config,
    ...routerTlsOptions(loaded, options),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(metricsToken === undefined ? {} : { metricsToken }),
    ...(logger === undefined ? {} : { report: reportTo(logger) }),
  });
}

/** The router's TLS: the certificate it serves and the CA it checks https:// regions with. */
export function routerTlsOptions(loaded: LoadedTopology, flags: TlsFlags = {}): Pick<RouterOptions, 'tls' | 'trust'> {
  const tls = withTlsFlags(readTlsMaterial(loaded, 'router'), flags);
  return {
    ...(tls === undefined ? {} : { trust: { ca: tls.ca, ...(tls.served ?? {}) } }),
    ...(tls?.served === undefined ? {} : { tls: tls.served }),
  };
}

function stopOnSignals(router: MeridianRouter, logger: Logger): void {
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('process.shutdown', `${why}, shutting down`);
    router.close().then(
      () => {
        process.exitCode = 0;
        setTimeout(() => process.exit(), 2000).unref();
      },
      (error: unknown) => {
        logger.error(
          'process.shutdown-failed',
          `shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
        );
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
    .option('--tls-cert <file>', 'serve HTTPS/WSS with this PEM certificate (over regions.yaml’s router.tls)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--tls-ca <file>', 'the CA (PEM) https:// regions are checked against (over tls.ca)')
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
      const bindings = { region: 'router', role: 'router' };
      const logger = processLogger(bindings, process.env, secretsFrom(process.env));
      const router = await startRouterFromConfig(options, logger);
      processLogger(bindings, process.env, [], 'stdout').info('ready', `router at ${router.url}`, { url: router.url });
      stopOnSignals(router, logger);
      process.on('SIGHUP', () => {
        try {
          const served = withTlsFlags(readTlsMaterial(loadTopology(options.config), 'router'), options)?.served;
          if (served === undefined) logger.warn('tls.reload-skipped', 'SIGHUP: the router serves no TLS');
          else {
            router.reloadTls(served);
            logger.info('tls.reloaded', 'SIGHUP: certificate reloaded; new connections get it');
          }
        } catch (error) {
          logger.error('tls.reload-failed', `SIGHUP: the certificate was not reloaded: ${(error as Error).message}`);
        }
      });
    }),
  );
}
