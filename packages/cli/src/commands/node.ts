import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { geoDelayMs } from '@meridian/lag';
import {
  HistoryFile,
  type LinkSpec,
  MeridianNode,
  type MeridianNodeOptions,
  NodeConfigError,
  NodeLinks,
  openRegionStore,
} from '@meridian/node';
import type { DurabilityPolicy } from '@meridian/store';
import { applyEnvironment, parseTopology, regionByName, type TopologyConfig } from '@meridian/topology';

/** Default port of a single node: the first region port of the default regions.yaml (never 8080). */
export const NODE_PORT_DEFAULT = 7701;

export interface NodeCommandOptions {
  /** regions.yaml: the node takes its role, address, links and secrets from it. */
  config?: string;
  region?: string;
  /** Overrides the region's port (or NODE_PORT_DEFAULT without a config). */
  port?: number;
  host?: string;
  insecureNoAuth?: boolean;
  /** Overrides the config's dataDir (default ./data); the store lives in <dataDir>/<region>/. */
  dataDir?: string;
  durability?: DurabilityPolicy;
  snapshotEveryEntries?: number;
  snapshotEveryMs?: number;
  /** Log entries kept behind the newest snapshot (retention). */
  retainEntries?: number;
  busyReplyThresholdMs?: number;
}

const RETAIN_ENTRIES_DEFAULT = 100_000;
const STANDALONE_REGION = 'standalone';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return port;
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return value;
}

function parseDurability(text: string): DurabilityPolicy {
  if (text !== 'always' && text !== 'everysec' && text !== 'none') {
    throw new InvalidArgumentError('must be always, everysec or none');
  }
  return text;
}

/** The links a node sends on: the primary to each replica, a replica to the primary. */
export function linkSpecs(config: TopologyConfig, region: string): LinkSpec[] {
  const self = regionByName(config, region);
  if (self === undefined) return [];
  const peers =
    region === config.primary
      ? config.regions.filter((r) => r.name !== region)
      : [regionByName(config, config.primary)];
  const specs: LinkSpec[] = [];
  for (const peer of peers) {
    if (peer === undefined) continue;
    const override = config.network.links.find((link) => link.from === region && link.to === peer.name);
    const delay = config.network.delay;
    specs.push({
      from: region,
      to: peer.name,
      delayMs: override?.delayMs ?? (delay === 'geo' ? geoDelayMs(self.location, peer.location) : delay),
      jitter: override?.jitter ?? config.network.jitter,
      jitterMode: config.network.jitterMode,
    });
  }
  return specs;
}

interface Wiring {
  region: string;
  host: string;
  port: number;
  dataDir: string;
  durability: DurabilityPolicy;
  nodeOptions: Partial<MeridianNodeOptions>;
}

function loadConfig(path: string, env: NodeJS.ProcessEnv): TopologyConfig {
  const file = resolve(path);
  return applyEnvironment(parseTopology(readFileSync(file, 'utf8'), file), env);
}

/** Role, address, links and secrets of `region` in the topology. */
function wiringFromConfig(options: NodeCommandOptions, env: NodeJS.ProcessEnv): Wiring {
  const configPath = options.config as string;
  const config = loadConfig(configPath, env);
  if (options.region === undefined)
    throw new NodeConfigError('MERIDIAN_BAD_ROLE_CONFIG', '--region is required with --config');
  const self = regionByName(config, options.region);
  const primary = regionByName(config, config.primary);
  if (self === undefined || primary === undefined) {
    const names = config.regions.map((r) => r.name).join(', ');
    throw new NodeConfigError(
      'MERIDIAN_BAD_ROLE_CONFIG',
      `region ${options.region} is not in ${configPath} (regions: ${names})`,
    );
  }
  const { auth, replication } = config;
  const secret = auth.replicationSecret ?? auth.token ?? '';
  const links = new NodeLinks(linkSpecs(config, self.name));
  const addresses = new Map(config.regions.map((r) => [r.name, { host: r.host, port: r.port }]));
  const common: Partial<MeridianNodeOptions> = {
    token: auth.token,
    readonlyToken: auth.readonlyToken,
    adminToken: auth.adminToken,
    links,
    regionAddress: (name) => addresses.get(name),
  };
  const role: Partial<MeridianNodeOptions> =
    self.name === config.primary
      ? { replication: { secret, heartbeatMs: replication.heartbeatMs, backlogBytesMax: replication.backlogBytesMax } }
      : {
          replication: {
            primaryUrl: `http://${primary.host.includes(':') ? `[${primary.host}]` : primary.host}:${primary.port}`,
            primaryRegion: primary.name,
            secret,
            syncWaitMsMax: replication.syncWaitMsMax,
          },
        };
  return {
    region: self.name,
    host: options.host ?? self.host,
    port: options.port ?? self.port,
    dataDir: options.dataDir ?? resolve(dirname(resolve(configPath)), config.dataDir),
    durability: options.durability ?? config.durability,
    nodeOptions: { ...common, ...role },
  };
}

function standaloneWiring(options: NodeCommandOptions, env: NodeJS.ProcessEnv): Wiring {
  return {
    region: options.region ?? STANDALONE_REGION,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? NODE_PORT_DEFAULT,
    dataDir: resolve(options.dataDir ?? './data'),
    durability: options.durability ?? 'always',
    nodeOptions: {
      token: env['MERIDIAN_TOKEN'],
      readonlyToken: env['MERIDIAN_READONLY_TOKEN'],
      adminToken: env['MERIDIAN_ADMIN_TOKEN'],
    },
  };
}

/**
 * Starts one node: with `config`, the region's role in the topology (primary or replica);
 * without, a standalone primary. Its log is durable in <dataDir>/<region>/. Resolves once it listens.
 */
export async function startNode(options: NodeCommandOptions, env: NodeJS.ProcessEnv): Promise<MeridianNode> {
  const wiring = options.config === undefined ? standaloneWiring(options, env) : wiringFromConfig(options, env);
  const isReplica = wiring.nodeOptions.replication !== undefined && 'primaryUrl' in wiring.nodeOptions.replication;
  const report = (message: string): void => console.error(message);
  const { log, dir } = openRegionStore({
    dataDir: wiring.dataDir,
    region: wiring.region,
    policy: wiring.durability,
    retention: { entriesMax: options.retainEntries ?? RETAIN_ENTRIES_DEFAULT },
    report,
  });
  const history = new HistoryFile(dir);
  // A node that is primary now writes its own history: a replica's record of another is void.
  if (!isReplica) history.clear();
  let node: MeridianNode;
  try {
    node = new MeridianNode({
      ...wiring.nodeOptions,
      insecureNoAuth: options.insecureNoAuth ?? false,
      host: wiring.host,
      port: wiring.port,
      region: options.config === undefined ? options.region : wiring.region,
      writeLog: log,
      history,
      snapshots: {
        ...(options.snapshotEveryEntries === undefined ? {} : { everyEntries: options.snapshotEveryEntries }),
        ...(options.snapshotEveryMs === undefined ? {} : { everyMs: options.snapshotEveryMs }),
      },
      ...(options.busyReplyThresholdMs === undefined ? {} : { busyReplyThresholdMs: options.busyReplyThresholdMs }),
      report,
    });
  } catch (error) {
    await log.close();
    throw error;
  }
  try {
    await node.start();
  } catch (error) {
    await node.close();
    throw error;
  }
  return node;
}

function stopOnSignals(node: MeridianNode): void {
  const stop = (signal: NodeJS.Signals): void => {
    console.error(`meridian: ${signal}, shutting down`);
    node.close().then(
      () => {
        process.exitCode = 0;
        // Anything a library left scheduled must not keep a stopped node alive.
        setTimeout(() => process.exit(), 2000).unref();
      },
      (error: unknown) => {
        console.error('meridian: shutdown failed:', error);
        process.exit(1);
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
      'run one region node: with --config, the role regions.yaml gives --region (primary or replica); without, a standalone primary (tokens from MERIDIAN_TOKEN, MERIDIAN_READONLY_TOKEN, MERIDIAN_ADMIN_TOKEN, MERIDIAN_REPLICATION_SECRET)',
    )
    .option('--config <file>', 'regions.yaml with the topology')
    .option('--region <region>', 'this node’s region (required with --config)')
    .option(
      '--port <port>',
      `port to listen on (0 = any free port; default: the region’s, else ${NODE_PORT_DEFAULT})`,
      parsePort,
    )
    .option('--host <host>', 'address to bind (default: the region’s host, else 127.0.0.1)')
    .option('--insecure-no-auth', 'serve without a token (loopback hosts only)', false)
    .option(
      '--data-dir <dir>',
      'data folder (default: the config’s dataDir, else ./data); the store is <dir>/<region>/',
    )
    .option('--durability <policy>', 'always | everysec | none (default: the config’s, else always)', parseDurability)
    .option('--snapshot-every-entries <n>', 'snapshot after this many new log entries (10000)', parseCount)
    .option('--snapshot-every-ms <ms>', 'snapshot at least this often when there are new entries (60000)', parseCount)
    .option('--retain-entries <n>', `log entries kept behind the snapshots (${RETAIN_ENTRIES_DEFAULT})`, parseCount)
    .option('--busy-reply-threshold-ms <ms>', 'a Lua script running longer is stopped with a BUSY error (5000)', parseCount)
    .action(async (options: NodeCommandOptions) => {
      const node = await startNode(options, process.env);
      console.log(JSON.stringify({ event: 'ready', region: node.region ?? null, role: node.role, url: node.url }));
      if (options.insecureNoAuth === true && process.env['MERIDIAN_TOKEN'] === undefined) {
        console.error('meridian: WARNING: no token, every request is accepted (--insecure-no-auth)');
      }
      stopOnSignals(node);
    });
}
