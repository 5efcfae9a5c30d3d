import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MeridianNode } from '@meridian/node';

/** Default port of a single node: the first region port of the default regions.yaml (never 8080). */
export const NODE_PORT_DEFAULT = 7701;

const LOG_ENTRIES_RETAINED_MAX = 100_000;

export interface NodeCommandOptions {
  port: number;
  host: string;
  insecureNoAuth: boolean;
  region?: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return port;
}

/** Starts a single primary node with tokens from the environment; resolves once it listens. */
export async function startNode(options: NodeCommandOptions, env: NodeJS.ProcessEnv): Promise<MeridianNode> {
  const node = new MeridianNode({
    token: env['MERIDIAN_TOKEN'],
    readonlyToken: env['MERIDIAN_READONLY_TOKEN'],
    adminToken: env['MERIDIAN_ADMIN_TOKEN'],
    insecureNoAuth: options.insecureNoAuth,
    host: options.host,
    port: options.port,
    region: options.region,
    // The log is in memory and nothing reads old entries yet (no replicas, no restart).
    logEntriesRetainedMax: LOG_ENTRIES_RETAINED_MAX,
  });
  await node.start();
  return node;
}

function stopOnSignals(node: MeridianNode): void {
  const stop = (signal: NodeJS.Signals): void => {
    console.log(`meridian: ${signal}, shutting down`);
    node.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        console.error('meridian: shutdown failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description(
      'run a single primary node serving the Upstash REST API (tokens from MERIDIAN_TOKEN, MERIDIAN_READONLY_TOKEN)',
    )
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, NODE_PORT_DEFAULT)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--insecure-no-auth', 'serve without a token (loopback hosts only)', false)
    .option('--region <region>', 'region name reported in x-meridian-served-by and status')
    .action(async (options: NodeCommandOptions) => {
      const node = await startNode(options, process.env);
      const role = options.region === undefined ? 'primary' : `primary, region ${options.region}`;
      console.log(`meridian node (${role}) listening on ${node.url}`);
      if (options.insecureNoAuth && process.env['MERIDIAN_TOKEN'] === undefined) {
        console.log('meridian: WARNING: no token, every request is accepted (--insecure-no-auth)');
      }
      stopOnSignals(node);
    });
}
