import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  checkRegionName,
  type ElectionEndpoint,
  EpochHistory,
  HistoryFile,
  type LinkSpec,
  MeridianNode,
  type MeridianNodeOptions,
  NodeConfigError,
  type RoleControl,
  NodeLinks,
  openRegionStore,
} from '@meridian/node';
import type { DurabilityPolicy } from '@meridian/store';
import { watchParent } from './parent-watch.js';
import { historyIdFor, newestRoleState, readRoleState, type RoleState, writeRoleState } from './role-state.js';
import {
  EXIT_FATAL,
  exitCodesForUsage,
  httpCall,
  loadTopology,
  meridianCode,
  readTlsMaterial,
  type TlsMaterial,
  withTlsFlags,
} from './topology-shared.js';
import {
  applyEnvironment,
  linkDelayMs,
  linkJitter,
  MAX_MEMORY_BYTES_MAX,
  MAX_MEMORY_BYTES_MIN,
  MAX_MEMORY_POLICIES,
  type MaxMemoryPolicyName,
  parseTopology,
  regionBaseUrl,
  regionBind,
  regionByName,
  type TopologyConfig,
} from '@meridian/topology';
import { type Logger, type Report, reportTo, reportToStderr } from '@meridian/metrics';
import { processLogger, secretsFrom } from './logging.js';
import { AutoFailover } from './auto-failover.js';

/** Automatic failover's hooks into a node: its write gate and election endpoint (see auto-failover.ts). */
export interface NodeFailoverHooks {
  readonly writeGate: () => string | undefined;
  readonly election: ElectionEndpoint;
}

/** Default port of a single node: the first region port of the default regions.yaml (never 8080). */
export const NODE_PORT_DEFAULT = 7701;

export interface NodeCommandOptions {
  /** regions.yaml: the node takes its role, address, links and secrets from it. */
  config?: string;
  region?: string;
  /** Overrides the region's port (or NODE_PORT_DEFAULT without a config). */
  port?: number;
  /** Overrides the region's RESP port; null: none. */
  respPort?: number | null;
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
  /** Overrides regions.yaml's maxMemoryBytes (0 = no limit). */
  maxMemoryBytes?: number;
  maxMemoryPolicy?: MaxMemoryPolicyName;
  /**
   * Start a `durability: none` primary that ran before (and so lost its data) anyway: its replicas
   * will full-resync to its empty keyspace. Without it such a primary refuses to start.
   */
  acceptEmpty?: boolean;
  /** Serve this certificate (PEM) instead of regions.yaml's, or without a config at all. */
  tlsCert?: string;
  tlsKey?: string;
  /** The CA to check the primary's certificate (and replicas' client certificates) against. */
  tlsCa?: string;
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

function parseMemoryBytes(text: string): number {
  const bytes = Number(text);
  if (
    !Number.isSafeInteger(bytes) ||
    bytes < 0 ||
    bytes > MAX_MEMORY_BYTES_MAX ||
    (bytes > 0 && bytes < MAX_MEMORY_BYTES_MIN)
  ) {
    throw new InvalidArgumentError(
      `must be 0 (no limit) or a whole number of bytes from ${MAX_MEMORY_BYTES_MIN} (1 MiB)`,
    );
  }
  return bytes;
}

function parseMemoryPolicy(text: string): MaxMemoryPolicyName {
  const policy = MAX_MEMORY_POLICIES.find((name) => name === text);
  if (policy === undefined) throw new InvalidArgumentError(`must be one of ${MAX_MEMORY_POLICIES.join(', ')}`);
  return policy;
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
    specs.push({
      from: region,
      to: peer.name,
      delayMs: linkDelayMs(config, region, peer.name),
      jitter: linkJitter(config, region, peer.name),
      jitterMode: config.network.jitterMode,
      jitterRedrawMs: config.network.jitterRedrawMs,
    });
  }
  return specs;
}

interface Wiring {
  /** Regions replicating from this node (a primary's replicas). */
  replicaRegions: string[];
  region: string;
  host: string;
  port: number;
  /** null: no RESP listener. */
  respPort: number | null;
  dataDir: string;
  durability: DurabilityPolicy;
  nodeOptions: Partial<MeridianNodeOptions>;
}

/** Node options for TLS: what the region serves (HTTPS, WSS, RESP over TLS) and what it trusts going out. */
function tlsOptionsOf(material: TlsMaterial | undefined, isPrimary: boolean): Partial<MeridianNodeOptions> {
  if (material === undefined) return {};
  const { ca, served, clientCerts } = material;
  const askClients = clientCerts && isPrimary && ca !== undefined;
  return {
    ...(served === undefined
      ? {}
      : {
          tls: {
            cert: served.cert,
            key: served.key,
            ca,
            requestClientCert: askClients,
            clientCertRequired: askClients,
          },
        }),
    // A replica shows its own certificate when the primary asks for one (tls.clientCerts).
    trust: { ca, ...(served === undefined ? {} : { cert: served.cert, key: served.key }) },
  };
}

function loadConfig(path: string, env: NodeJS.ProcessEnv): TopologyConfig {
  const file = resolve(path);
  return applyEnvironment(parseTopology(readFileSync(file, 'utf8'), file), env);
}

/** Role, address, links and secrets of `region` in the topology. */
function wiringFromConfig(options: NodeCommandOptions, env: NodeJS.ProcessEnv): Wiring {
  const configPath = options.config as string;
  const loaded = loadConfig(configPath, env);
  if (options.region === undefined)
    throw new NodeConfigError('MERIDIAN_BAD_ROLE_CONFIG', '--region is required with --config');
  const dataDir = options.dataDir ?? resolve(dirname(resolve(configPath)), loaded.dataDir);
  // After a failover the region's failover.json names the primary; regions.yaml's holds until then.
  const own =
    regionByName(loaded, options.region) === undefined ? undefined : readRoleState(join(dataDir, options.region));
  // A region that was down during a failover learns it from the other regions' folders (one host).
  const newest = newestRoleState(loaded, dataDir);
  const state =
    newest !== undefined && newest.epoch > (own?.epoch ?? 0) ? { epoch: newest.epoch, primary: newest.primary } : own;
  if (state !== undefined && regionByName(loaded, state.primary) === undefined) {
    throw new NodeConfigError(
      'MERIDIAN_BAD_ROLE_CONFIG',
      `${join(dataDir, options.region, 'failover.json')} names primary ${state.primary}, which is not in ${configPath}`,
    );
  }
  const config: TopologyConfig = state === undefined ? loaded : { ...loaded, primary: state.primary };
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
  const tls = withTlsFlags(readTlsMaterial({ config, path: resolve(configPath), dataDir }, self.name), options);
  const links = new NodeLinks(linkSpecs(config, self.name));
  const addresses = new Map(config.regions.map((r) => [r.name, { host: r.host, port: r.port }]));
  const maxMemoryBytes = self.maxMemoryBytes ?? config.maxMemoryBytes;
  const common: Partial<MeridianNodeOptions> = {
    maxMemoryPolicy: self.maxMemoryPolicy ?? config.maxMemoryPolicy,
    ...(maxMemoryBytes === undefined ? {} : { maxMemoryBytes }),
    token: auth.token,
    readonlyToken: auth.readonlyToken,
    adminToken: auth.adminToken,
    metricsToken: env['MERIDIAN_METRICS_TOKEN'],
    regionsTotal: config.regions.length,
    links,
    regionAddress: (name) => addresses.get(name),
    cors: config.cors,
  };
  const history: Partial<MeridianNodeOptions> =
    self.name === config.primary && state !== undefined
      ? {
          ...(state.replicationId === undefined ? {} : { replicationId: state.replicationId }),
          ...(state.previousHistory === undefined ? {} : { previousHistory: state.previousHistory }),
        }
      : {};
  const role: Partial<MeridianNodeOptions> =
    self.name === config.primary
      ? {
          ...history,
          replication: { secret, heartbeatMs: replication.heartbeatMs, backlogBytesMax: replication.backlogBytesMax },
        }
      : {
          replication: {
            primaryUrl: regionBaseUrl(primary, config),
            primaryRegion: primary.name,
            secret,
            syncWaitMsMax: replication.syncWaitMsMax,
            forwardTimeoutMs: replication.forwardTimeoutMs,
          },
        };
  return {
    replicaRegions:
      self.name === config.primary ? config.regions.filter((r) => r.name !== self.name).map((r) => r.name) : [],
    region: self.name,
    host: options.host ?? regionBind(self).host,
    port: options.port ?? regionBind(self).port,
    respPort: respPortOf(options, self.respPort),
    dataDir,
    durability: options.durability ?? config.durability,
    nodeOptions: { ...common, ...role, ...tlsOptionsOf(tls, self.name === config.primary), epoch: state?.epoch ?? 0 },
  };
}

/** --resp-port wins; with --port 0 the RESP port is free too; else the region's (HTTP port + 1000). */
function respPortOf(options: NodeCommandOptions, configured: number | null): number | null {
  if (options.respPort !== undefined) return options.respPort;
  if (options.port === 0) return configured === null ? null : 0;
  return configured;
}

function standaloneWiring(options: NodeCommandOptions, env: NodeJS.ProcessEnv): Wiring {
  return {
    replicaRegions: [],
    region: checkRegionName(options.region ?? STANDALONE_REGION),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? NODE_PORT_DEFAULT,
    respPort: respPortOf(
      options,
      (options.port ?? NODE_PORT_DEFAULT) === 0 ? 0 : (options.port ?? NODE_PORT_DEFAULT) + 1000,
    ),
    dataDir: resolve(options.dataDir ?? './data'),
    durability: options.durability ?? 'always',
    nodeOptions: {
      token: env['MERIDIAN_TOKEN'],
      readonlyToken: env['MERIDIAN_READONLY_TOKEN'],
      adminToken: env['MERIDIAN_ADMIN_TOKEN'],
      metricsToken: env['MERIDIAN_METRICS_TOKEN'],
      ...tlsOptionsOf(withTlsFlags(undefined, options), true),
    },
  };
}

/**
 * Starts one node: with `config`, the region's role in the topology (primary or replica);
 * without, a standalone primary. Its log is durable in <dataDir>/<region>/. Resolves once it listens.
 */
export async function startNode(
  options: NodeCommandOptions,
  env: NodeJS.ProcessEnv,
  roleControl?: RoleControlFor,
  logger?: Logger,
  failover?: NodeFailoverHooks,
): Promise<MeridianNode> {
  const wiring = options.config === undefined ? standaloneWiring(options, env) : wiringFromConfig(options, env);
  const isReplica = wiring.nodeOptions.replication !== undefined && 'primaryUrl' in wiring.nodeOptions.replication;
  const { token, readonlyToken, adminToken, metricsToken, replication } = wiring.nodeOptions;
  logger?.addSecrets([token, readonlyToken, adminToken, metricsToken, replication?.secret]);
  logger?.bind({ region: wiring.region, role: isReplica ? 'replica' : 'primary' });
  const report = logger === undefined ? reportToStderr : reportTo(logger);
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
  if (!isReplica && wiring.durability === 'none' && wiring.replicaRegions.length > 0) {
    try {
      guardEmptyPrimary(dir, wiring, options.acceptEmpty === true);
    } catch (error) {
      await log.close();
      throw error;
    }
  }
  let node: MeridianNode;
  try {
    node = new MeridianNode({
      ...wiring.nodeOptions,
      insecureNoAuth: options.insecureNoAuth ?? false,
      ...(options.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: options.maxMemoryBytes }),
      ...(options.maxMemoryPolicy === undefined ? {} : { maxMemoryPolicy: options.maxMemoryPolicy }),
      host: wiring.host,
      port: wiring.port,
      ...(wiring.respPort === null ? {} : { resp: { port: wiring.respPort } }),
      region: options.config === undefined ? options.region : wiring.region,
      writeLog: log,
      history,
      epochs: new EpochHistory(dir),
      ...(failover === undefined
        ? {}
        : { writeGate: failover.writeGate, election: failover.election, strongReadIndex: true }),
      snapshots: {
        ...(options.snapshotEveryEntries === undefined ? {} : { everyEntries: options.snapshotEveryEntries }),
        ...(options.snapshotEveryMs === undefined ? {} : { everyMs: options.snapshotEveryMs }),
      },
      ...(options.busyReplyThresholdMs === undefined ? {} : { busyReplyThresholdMs: options.busyReplyThresholdMs }),
      ...(roleControl === undefined || options.config === undefined
        ? {}
        : { roleControl: roleControl(dir, wiring.region) }),
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

/** How often a primary asks the other regions whether a failover made another region primary. */
const PEER_CHECK_INTERVAL_MS = 1000;

/** Makes the RoleControl of the node in `regionDir` (NodeHost: writes failover.json, then rebuilds the node). */
export type RoleControlFor = (regionDir: string, region: string) => RoleControl;

/**
 * Runs one region node and rebuilds it when a failover switches its role: `promote` and `follow`
 * write the region's failover.json, answer at once, then close the node and start it again in its
 * new role on the same port (replication, forwarding and WAIT follow the new primary).
 */
export class NodeHost {
  private switching: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    public node: MeridianNode,
    private readonly options: NodeCommandOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onSwitch: (node: MeridianNode) => void,
    private readonly logger: Logger | undefined,
  ) {}

  static async start(
    options: NodeCommandOptions,
    env: NodeJS.ProcessEnv,
    onSwitch: (node: MeridianNode) => void = () => undefined,
    logger?: Logger,
  ): Promise<NodeHost> {
    const holder: { host?: NodeHost } = {};
    const control: RoleControlFor = (regionDir, region) => ({
      promote: ({ epoch, previousHistory }) =>
        holder.host?.switchTo(regionDir, {
          epoch,
          primary: region,
          replicationId: historyIdFor(epoch),
          previousHistory,
        }),
      follow: ({ epoch, primary }) => holder.host?.switchTo(regionDir, { epoch, primary }),
    });
    const automatic = NodeHost.automaticFailover(options, env, holder, logger);
    const hooks =
      automatic === undefined
        ? undefined
        : { writeGate: () => automatic.writeRefusal(), election: automatic.endpoint() };
    const node = await startNode(options, env, control, logger, hooks);
    const host = new NodeHost(node, options, env, onSwitch, logger);
    holder.host = host;
    host.control = control;
    host.failoverHooks = hooks;
    if (automatic !== undefined) {
      // The regions elect the primary themselves: no asking around for a newer one.
      host.automatic = automatic;
      automatic.start();
      return host;
    }
    void host.followNewerPrimary();
    // A primary paused or cut off during a failover comes back without restarting: it keeps asking.
    host.peerTimer = setInterval(() => void host.followNewerPrimary(), PEER_CHECK_INTERVAL_MS);
    host.peerTimer.unref();
    return host;
  }

  private peerTimer: NodeJS.Timeout | undefined;
  private automatic: AutoFailover | undefined;
  private failoverHooks: NodeFailoverHooks | undefined;

  /** With `failover.automatic` in regions.yaml: the region's election (it outlives the node's restarts). */
  private static automaticFailover(
    options: NodeCommandOptions,
    env: NodeJS.ProcessEnv,
    holder: { host?: NodeHost },
    logger: Logger | undefined,
  ): AutoFailover | undefined {
    const { config: configPath, region } = options;
    if (configPath === undefined || region === undefined) return undefined;
    const { config } = loadTopology(configPath, env);
    if (!config.failover.automatic || regionByName(config, region) === undefined) return undefined;
    const dataDir = options.dataDir ?? resolve(dirname(resolve(configPath)), config.dataDir);
    const regionDir = join(dataDir, region);
    mkdirSync(regionDir, { recursive: true });
    const own = readRoleState(regionDir);
    const newest = newestRoleState(config, dataDir);
    const state = newest !== undefined && newest.epoch > (own?.epoch ?? 0) ? newest : own;
    let lastPosition = { epoch: 0, offset: 0 };
    return new AutoFailover(
      config,
      region,
      regionDir,
      {
        current: () => {
          const node = holder.host?.node;
          try {
            lastPosition = node?.position() ?? lastPosition;
          } catch {
            // The node is between two roles (its log closed): the position it had.
          }
          return {
            role: node?.role ?? 'replica',
            epoch: node?.epoch ?? state?.epoch ?? 0,
            primary: node?.primaryRegion ?? state?.primary ?? config.primary,
            replicationId: node?.replicationId ?? '',
            position: lastPosition,
          };
        },
        switchTo: (next) => holder.host?.switchTo(regionDir, next),
      },
      state,
      logger === undefined ? reportToStderr : reportTo(logger),
      historyIdFor,
    );
  }
  private checkingPeers = false;
  private switchesPending = 0;

  /**
   * A primary that was away during a failover (another host, its folder not updated) asks the other
   * regions once: if one is primary of a newer epoch, it follows it (its unreplicated tail is
   * discarded by the full resync that follows, and the new primary reports how many entries).
   */
  private async followNewerPrimary(): Promise<void> {
    const { config: configPath, region } = this.options;
    if (configPath === undefined || region === undefined || this.node.role !== 'primary') return;
    if (this.checkingPeers || this.switchesPending > 0) return;
    this.checkingPeers = true;
    try {
      await this.askPeers(configPath, region);
    } finally {
      this.checkingPeers = false;
    }
  }

  private async askPeers(configPath: string, region: string): Promise<void> {
    // loadTopology also makes httpCall trust the topology's CA for https:// regions.
    const { config } = loadTopology(configPath, this.env);
    const token = config.auth.adminToken ?? config.auth.token;
    const answers = await Promise.all(
      config.regions
        .filter((peer) => peer.name !== region)
        .map(async (peer) => {
          try {
            const answer = await httpCall(
              `${regionBaseUrl(peer, config)}/_meridian/status`,
              { token, timeoutMs: 2000 },
              peer.name,
            );
            const body = JSON.parse(answer.body) as { role?: unknown; epoch?: unknown };
            return typeof body.epoch === 'number' && body.role === 'primary'
              ? { name: peer.name, epoch: body.epoch }
              : undefined;
          } catch {
            return undefined;
          }
        }),
    );
    const newer = answers
      .filter((answer) => answer !== undefined && answer.epoch > this.node.epoch)
      .sort((a, b) => (b?.epoch ?? 0) - (a?.epoch ?? 0))[0];
    if (newer === undefined || this.closed) return;
    const dataDir = this.options.dataDir ?? resolve(dirname(resolve(configPath)), config.dataDir);
    this.report(
      `meridian: ${newer.name} is primary of epoch ${newer.epoch}, newer than this node's ${this.node.epoch}: following it`,
      { event: 'failover.follow-newer-primary', level: 'warn', fields: { primary: newer.name, epoch: newer.epoch } },
    );
    this.switchTo(join(dataDir, region), { epoch: newer.epoch, primary: newer.name });
  }

  private control: RoleControlFor | undefined;

  private get report(): Report {
    return this.logger === undefined ? reportToStderr : reportTo(this.logger);
  }

  private switchTo(regionDir: string, state: RoleState): void {
    writeRoleState(regionDir, state);
    // A primary that now follows keeps its history's name, so the new primary (which continues that
    // history) resumes it from its log instead of sending it everything again.
    if (this.node.role === 'primary' && state.primary !== this.node.region) {
      new HistoryFile(regionDir).write(this.node.replicationId);
    }
    // Answer the request first; the node closes and starts again in its new role after.
    this.switchesPending++;
    this.switching = this.switching.then(
      () =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            this.restart().then(
              () => {
                this.switchesPending--;
                resolve();
              },
              (error: unknown) => {
                this.switchesPending--;
                this.report(
                  `meridian: switching to epoch ${state.epoch} failed: ${error instanceof Error ? error.message : String(error)}`,
                  { event: 'failover.switch-failed', level: 'fatal', fields: { epoch: state.epoch } },
                );
                process.exitCode = EXIT_FATAL;
                resolve();
              },
            );
          }, 20);
        }),
    );
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    await this.node.close();
    if (this.closed) return;
    this.node = await startNode(this.options, this.env, this.control, this.logger, this.failoverHooks);
    this.onSwitch(this.node);
  }

  /**
   * SIGHUP: reads the region's certificate files again and serves them to new connections; open ones
   * (replicas' replication streams, RESP clients) carry on. A file that cannot be read leaves the old
   * certificate in place and says why.
   */
  reloadTls(): void {
    const { config: configPath, region } = this.options;
    try {
      const fromConfig =
        configPath === undefined || region === undefined
          ? undefined
          : readTlsMaterial(
              { config: loadConfig(configPath, this.env), path: resolve(configPath), dataDir: '' },
              region,
            );
      const material = withTlsFlags(fromConfig, this.options);
      if (material?.served === undefined) {
        this.report('meridian: SIGHUP: this region serves no TLS, nothing to reload', {
          event: 'tls.reload-skipped',
          level: 'warn',
        });
        return;
      }
      this.node.reloadTls({ cert: material.served.cert, key: material.served.key, ca: material.ca });
      this.report('meridian: SIGHUP: certificate reloaded; new connections get it', { event: 'tls.reloaded' });
    } catch (error) {
      this.report(`meridian: SIGHUP: the certificate was not reloaded: ${(error as Error).message}`, {
        event: 'tls.reload-failed',
        level: 'error',
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.automatic?.stop();
    if (this.peerTimer !== undefined) clearInterval(this.peerTimer);
    await this.switching;
    await this.node.close();
  }
}

/** A `durability: none` primary that would erase its replicas; code MERIDIAN_NODE_EMPTY_PRIMARY (fatal). */
export class EmptyPrimaryError extends Error {
  readonly code = 'MERIDIAN_NODE_EMPTY_PRIMARY';
}

const PRIMARY_RAN_FILE = 'primary-ran.json';

/**
 * `durability: none` keeps the log in memory, so a primary that restarts comes back empty under a
 * new replication id, and every replica would full-resync to that empty keyspace. A marker in the
 * region's folder says this primary ran before; then it refuses to start unless told
 * (`--accept-empty`; `meridian up` passes it when it launches the whole topology, when every node
 * starts empty anyway, never when it restarts a crashed primary).
 */
function guardEmptyPrimary(dir: string, wiring: Wiring, acceptEmpty: boolean): void {
  const marker = join(dir, PRIMARY_RAN_FILE);
  if (existsSync(marker) && !acceptEmpty) {
    throw new EmptyPrimaryError(
      `${wiring.region} is the primary with durability: none and ran before (${marker}), so it has lost its data; ` +
        `starting it would make its replicas (${wiring.replicaRegions.join(', ')}) full-resync to an empty keyspace. ` +
        'Keep them serving and restart it with --accept-empty only if losing their data is intended ' +
        '(or use durability: everysec/always to keep data across restarts)',
    );
  }
  writeFileSync(
    marker,
    `${JSON.stringify({ region: wiring.region, startedAt: new Date().toISOString(), pid: process.pid })}\n`,
  );
}

function stopOnSignals(node: { close(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('process.shutdown', `${signal}, shutting down`, { signal });
    node.close().then(
      () => {
        process.exitCode = 0;
        // Anything a library left scheduled must not keep a stopped node alive.
        setTimeout(() => process.exit(), 2000).unref();
      },
      (error: unknown) => {
        logger.error(
          'process.shutdown-failed',
          `shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  watchParent(stop);
}

export function registerNodeCommand(program: Command): void {
  const command = program
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
    .option(
      '--resp-port <port>',
      'Redis protocol port, or none (default: the region’s respPort, else the HTTP port + 1000)',
      (text: string) => (text === 'none' ? null : parsePort(text)),
    )
    .option('--host <host>', 'address to bind (default: the region’s host, else 127.0.0.1)')
    .option('--tls-cert <file>', 'serve HTTPS/WSS/RESP over TLS with this PEM certificate (over regions.yaml’s)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option(
      '--tls-ca <file>',
      'the CA (PEM) the primary’s and replicas’ certificates are checked against (over tls.ca)',
    )
    .option('--insecure-no-auth', 'serve without a token (loopback hosts only)', false)
    .option(
      '--data-dir <dir>',
      'data folder (default: the config’s dataDir, else ./data); the store is <dir>/<region>/',
    )
    .option('--durability <policy>', 'always | everysec | none (default: the config’s, else always)', parseDurability)
    .option('--snapshot-every-entries <n>', 'snapshot after this many new log entries (10000)', parseCount)
    .option('--snapshot-every-ms <ms>', 'snapshot at least this often when there are new entries (60000)', parseCount)
    .option('--retain-entries <n>', `log entries kept behind the snapshots (${RETAIN_ENTRIES_DEFAULT})`, parseCount)
    .option(
      '--busy-reply-threshold-ms <ms>',
      'a Lua script running longer is stopped with a BUSY error (5000)',
      parseCount,
    )
    .option(
      '--max-memory-bytes <bytes>',
      'maxmemory: over it writes answer OOM (0 = no limit; default: regions.yaml, else a quarter of the V8 heap limit)',
      parseMemoryBytes,
    )
    .option(
      '--accept-empty',
      'start a durability: none primary that ran before (its data is gone; replicas will resync to empty)',
      false,
    )
    .option(
      '--max-memory-policy <policy>',
      `${MAX_MEMORY_POLICIES.join(' | ')} (default noeviction)`,
      parseMemoryPolicy,
    )
    .action(async (options: NodeCommandOptions) => {
      let host: NodeHost;
      const secrets = secretsFrom(process.env);
      const bindings = { region: options.region ?? null, role: null };
      const logger = processLogger(bindings, process.env, secrets);
      const announcer = processLogger(bindings, process.env, secrets, 'stdout');
      const announce = (node: MeridianNode, event: string): void => {
        announcer.bind({ region: node.region ?? null, role: node.role });
        logger.bind({ role: node.role });
        announcer.info(event, `${node.role} of ${node.region ?? 'a standalone node'} at ${node.url}`, {
          epoch: node.epoch,
          url: node.url,
          respPort: node.respPort ?? null,
        });
      };
      try {
        host = await NodeHost.start(options, process.env, (node) => announce(node, 'role-switched'), logger);
      } catch (error) {
        const code = meridianCode(error);
        if (code === undefined) throw error;
        logger.log(
          'fatal',
          'process.cannot-start',
          `meridian node: cannot start (${code}): ${(error as Error).message}`,
          {
            code,
          },
        );
        process.exit(EXIT_FATAL);
      }
      announce(host.node, 'ready');
      if (options.insecureNoAuth === true && process.env['MERIDIAN_TOKEN'] === undefined) {
        logger.warn('auth.insecure-no-auth', 'no token, every request is accepted (--insecure-no-auth)');
      }
      stopOnSignals(host, logger);
      process.on('SIGHUP', () => host.reloadTls());
    });
  exitCodesForUsage(command);
}
