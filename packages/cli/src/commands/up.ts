import { routerTlsOptions } from './router.js';
import { MeridianError } from '@meridian/engine';
import net from 'node:net';
import type { Command } from 'commander';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { type RegionConfig, regionBind, regionTlsFiles, type TopologyConfig } from '@meridian/topology';
import { NodeHost } from './node.js';
import { survivePipeClose } from './parent-watch.js';
import { SupervisedProcess } from './supervisor.js';
import {
  CLI_BIN_PATH,
  type LoadedTopology,
  type Secrets,
  action,
  exitCodesForUsage,
  httpCall,
  loadTopology,
  regionUrl,
  resolveSecrets,
  routerUrl,
  secretsEnv,
  secretsPath,
} from './topology-shared.js';
import { logFormatFor } from '@meridian/metrics';

export interface UpOptions {
  /** regions.yaml; default ./regions.yaml, else the embedded default. */
  readonly configPath?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  readonly startupTimeoutMs?: number;
  readonly shutdownTimeoutMs?: number;
  readonly restartsMax?: number;
  /** The meridian entry point children run with process.execPath; default this CLI's bin. */
  readonly cliBinPath?: string;
}

export interface Endpoint {
  readonly name: string;
  readonly role: 'primary' | 'replica' | 'router';
  readonly url: string;
  /** `redis://host:port` of the region's RESP listener; undefined: none (or the router). */
  readonly resp?: string | undefined;
}

const STARTUP_TIMEOUT_MS_DEFAULT = 30_000;
const SHUTDOWN_TIMEOUT_MS_DEFAULT = 5_000;
const HEALTH_POLL_MS = 100;

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function respUrl(region: RegionConfig, config: TopologyConfig): string | undefined {
  if (region.respPort === null) return undefined;
  const scheme = regionTlsFiles(region, config) === undefined ? 'redis' : 'rediss';
  return `${scheme}://${region.host.includes(':') ? `[${region.host}]` : region.host}:${region.respPort}`;
}

/** What answers on a busy port: a Meridian node or router says who it is on /_meridian/health. */
async function describeOccupant(host: string, port: number): Promise<string> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    const answer = await httpCall(`${url}/_meridian/health`, { timeoutMs: 1000 }, url);
    const body = JSON.parse(answer.body) as { region?: unknown; role?: unknown };
    if (typeof body.role === 'string') {
      return `a running Meridian ${body.role}${typeof body.region === 'string' ? ` of ${body.region}` : ''}`;
    }
    return answer.status === 200 ? 'a running Meridian router' : 'another program';
  } catch {
    return 'another program';
  }
}

/** Refuses to start over anything already listening on the topology's ports, naming each one. */
async function checkPorts(loaded: LoadedTopology): Promise<void> {
  const { config } = loaded;
  const wanted = [
    ...config.regions.map((r) => ({ name: r.name, ...regionBind(r) })),
    ...config.regions.flatMap((r) =>
      r.respPort === null ? [] : [{ name: `${r.name} respPort`, host: r.host, port: r.respPort }],
    ),
    { name: 'router', ...config.router },
  ];
  const busy: string[] = [];
  for (const { name, host, port } of wanted) {
    if (!(await portFree(host, port))) busy.push(`${name} at ${host}:${port} (${await describeOccupant(host, port)})`);
  }
  if (busy.length === 0) return;
  throw new MeridianError(
    'MERIDIAN_CLI_START_FAILED',
    `already running on this topology's ports: ${busy.join(', ')} — is another \`meridian up\` running? Stop it (Ctrl-C where it runs, or kill its processes), or change the ports in ${loaded.path}`,
  );
}

/** A running topology: primary, replicas and router as supervised child processes. */
export class RunningTopology {
  private constructor(
    readonly loaded: LoadedTopology,
    readonly secrets: Partial<Secrets>,
    readonly endpoints: readonly Endpoint[],
    readonly processes: readonly SupervisedProcess[],
    private readonly shutdownTimeoutMs: number,
    private readonly startupTimeoutMs: number,
  ) {}

  private stopped = false;

  /** Launches everything and resolves once every part answers /_meridian/health. */
  static async start(options: UpOptions = {}): Promise<RunningTopology> {
    const running = await RunningTopology.prepare(options);
    await running.launch();
    return running;
  }

  /** Reads the config, checks ports and secrets, and builds (without starting) every child. */
  static async prepare(options: UpOptions = {}): Promise<RunningTopology> {
    const env = options.env ?? process.env;
    const log = options.log ?? ((line: string) => console.log(line));
    const loaded = loadTopology(options.configPath, env);
    await checkPorts(loaded);
    const secrets = resolveSecrets(loaded, true);
    const childEnv = { ...env, ...secretsEnv(secrets) };
    const { config } = loaded;
    const make = (name: string, args: string[]): SupervisedProcess =>
      new SupervisedProcess({
        name,
        args: [options.cliBinPath ?? CLI_BIN_PATH, ...args, '--config', loaded.path],
        // Launching the whole topology, every durability: none node starts empty: nothing to protect.
        // A restart of a crashed primary does not get it (see guardEmptyPrimary in node.ts).
        ...(name === config.primary ? { firstStartArgs: ['--accept-empty'] } : {}),
        env: childEnv,
        restartsMax: options.restartsMax ?? 5,
        restartDelayMsFirst: 500,
        restartDelayMsMax: 8000,
        stableMs: 30_000,
        log,
        pretty: logFormatFor(process.stdout, env) === 'pretty',
      });
    const ordered = [config.primary, ...config.regions.map((r) => r.name).filter((name) => name !== config.primary)];
    const endpoints: Endpoint[] = ordered.map((name) => ({
      name,
      role: name === config.primary ? 'primary' : 'replica',
      url: regionUrl(
        config.regions.find((r) => r.name === name)!,
        config,
      ),
      resp: respUrl(
        config.regions.find((r) => r.name === name)!,
        config,
      ),
    }));
    endpoints.push({ name: 'router', role: 'router', url: routerUrl(config) });
    const processes = [...ordered.map((name) => make(name, ['node', '--region', name])), make('router', ['router'])];
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS_DEFAULT;
    const startupTimeoutMs = options.startupTimeoutMs ?? STARTUP_TIMEOUT_MS_DEFAULT;
    return new RunningTopology(loaded, secrets, endpoints, processes, shutdownTimeoutMs, startupTimeoutMs);
  }

  /** Starts the children; on failure (or a stop meanwhile) stops them all and rejects. */
  async launch(): Promise<void> {
    try {
      await this.launchInOrder(this.startupTimeoutMs);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Primary first (replicas connect to it), then the replicas together, then the router. */
  private async launchInOrder(timeoutMs: number): Promise<void> {
    const deadlineMs = Date.now() + timeoutMs;
    const [primary, ...rest] = this.processes.map((child, i) => ({ child, endpoint: this.endpoints[i] as Endpoint }));
    const router = rest.pop();
    for (const group of [[primary], rest, [router]]) {
      if (this.stopped) throw new MeridianError('MERIDIAN_CLI_START_FAILED', 'stopped before every part was up');
      for (const part of group) part?.child.start();
      const stopped = (): boolean => this.stopped;
      await Promise.all(
        group.map((part) =>
          part === undefined ? undefined : waitHealthy(part.child, part.endpoint.url, deadlineMs, stopped),
        ),
      );
    }
    if (this.loaded.config.failover.automatic) await this.waitWritable(deadlineMs);
  }

  /** Automatic failover: up is up once a primary holds its lease from a majority (writes are taken). */
  private async waitWritable(deadlineMs: number): Promise<void> {
    const token = this.secrets.adminToken ?? this.secrets.token;
    const regions = this.endpoints.filter((endpoint) => endpoint.role !== 'router');
    for (;;) {
      if (this.stopped) throw new MeridianError('MERIDIAN_CLI_START_FAILED', 'stopped before every part was up');
      const held = await Promise.all(
        regions.map(async (endpoint) => {
          try {
            const answer = await httpCall(
              `${endpoint.url}/_meridian/status`,
              { token, timeoutMs: 1000 },
              endpoint.name,
            );
            const status = JSON.parse(answer.body) as { election?: { leaseHeld?: unknown } };
            return status.election?.leaseHeld === true;
          } catch {
            return false;
          }
        }),
      );
      if (held.some(Boolean)) return;
      if (Date.now() > deadlineMs)
        throw new MeridianError(
          'MERIDIAN_CLI_START_FAILED',
          'no region became a writable primary (lease from a majority) in time',
        );
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
  }

  /** SIGTERM to every child (SIGKILL after the timeout); resolves when all are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    // Router first (no new traffic), then the replicas, the primary last so replicas do not
    // spend their shutdown reconnecting to it.
    const [primary, ...rest] = this.processes;
    const router = rest.pop();
    await router?.stop(this.shutdownTimeoutMs);
    await Promise.all(rest.map((child) => child.stop(this.shutdownTimeoutMs)));
    await primary?.stop(this.shutdownTimeoutMs);
  }

  pids(): number[] {
    return this.processes.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }
}

async function waitHealthy(
  child: SupervisedProcess,
  url: string,
  deadlineMs: number,
  stopped: () => boolean,
): Promise<void> {
  for (;;) {
    if (stopped()) throw new MeridianError('MERIDIAN_CLI_START_FAILED', 'stopped before every part was up');
    try {
      const answer = await httpCall(`${url}/_meridian/health`, { timeoutMs: 1000 }, child.name);
      if (answer.status === 200) return;
    } catch {
      // not listening yet
    }
    const recent = child.recentOutput.length > 0 ? `; its last output:\n  ${child.recentOutput.join('\n  ')}` : '';
    if (child.gaveUp) throw new MeridianError('MERIDIAN_CLI_START_FAILED', `${child.name} failed to start${recent}`);
    if (Date.now() > deadlineMs)
      throw new MeridianError(
        'MERIDIAN_CLI_START_FAILED',
        `${child.name} did not become healthy at ${url}/_meridian/health in time${recent}`,
      );
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
}

/** What a banner shows: the topology, its secrets and endpoints. */
export interface TopologyView {
  readonly loaded: LoadedTopology;
  readonly secrets: Partial<Secrets>;
  readonly endpoints: readonly Endpoint[];
}

/** What `meridian up` prints once everything is healthy: endpoints, tokens, and how to try it. */
export function banner(running: TopologyView): string {
  const { loaded, secrets, endpoints } = running;
  const router = endpoints.find((endpoint) => endpoint.role === 'router')!;
  const width = Math.max(...endpoints.map((endpoint) => endpoint.name.length + endpoint.role.length + 3));
  const token = secrets.token ?? '<MERIDIAN_TOKEN>';
  const far = endpoints.find((endpoint) => endpoint.role === 'replica')?.name ?? loaded.config.primary;
  const variables = Object.entries(secretsEnv(secrets)).map(([name, value]) => `  ${name}=${value}`);
  return [
    `Meridian is up: ${loaded.config.regions.length} regions, primary ${loaded.config.primary}`,
    `  config ${loaded.path}`,
    `  data   ${loaded.dataDir}`,
    '',
    'Endpoints:',
    ...endpoints.map(
      (endpoint) =>
        `  ${`${endpoint.name} (${endpoint.role})`.padEnd(width)}  ${endpoint.url}${endpoint.resp === undefined ? '' : `  ${endpoint.resp}`}`,
    ),
    '',
    `Tokens (environment, regions.yaml, or generated once and kept in ${secretsPath(loaded.dataDir)}):`,
    ...variables,
    '',
    'Try it:',
    `  curl -H "Authorization: Bearer ${token}" -d '["SET","greeting","hello"]' ${router.url}/`,
    `  curl -H "Authorization: Bearer ${token}" -H "x-meridian-region: ${far}" ${router.url}/get/greeting`,
    '',
    ...(endpoints[0]?.resp === undefined
      ? []
      : [`  redis-cli -u ${endpoints[0].resp} --user default --pass ${token} --no-auth-warning GET greeting`]),
    '',
    'SDK (@upstash/redis):',
    `  const redis = new Redis({ url: '${router.url}', token: '${token}' });`,
    '',
    `Dashboard: ${router.url}/_meridian/ui (admin token), or run: npx meridian dashboard`,
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
}

/** Stops everything on SIGINT/SIGTERM; returns whether a signal has arrived. */
function stopOnSignals(what: string, stop: () => Promise<void>): () => boolean {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`meridian: ${signal}, stopping ${what}…`);
    stop().then(
      () => {
        console.log('meridian: stopped');
        process.exitCode = 0;
        // Anything a library left scheduled must not keep a stopped topology alive.
        setTimeout(() => process.exit(), 2000).unref();
      },
      (error: unknown) => {
        console.error('meridian: shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => stopping;
}

/** The whole topology inside this process: every node and the router, no supervision. */
export class InProcessTopology implements TopologyView {
  private readonly nodes: NodeHost[] = [];
  private router: MeridianRouter | undefined;
  private constructor(
    readonly loaded: LoadedTopology,
    readonly secrets: Partial<Secrets>,
    readonly endpoints: readonly Endpoint[],
  ) {}

  static async start(options: UpOptions = {}): Promise<InProcessTopology> {
    const env = options.env ?? process.env;
    const loaded = loadTopology(options.configPath, env);
    await checkPorts(loaded);
    const secrets = resolveSecrets(loaded, true);
    const { config } = loaded;
    const ordered = [config.primary, ...config.regions.map((r) => r.name).filter((name) => name !== config.primary)];
    const endpoints: Endpoint[] = ordered.map((name) => ({
      name,
      role: name === config.primary ? 'primary' : 'replica',
      url: regionUrl(
        config.regions.find((r) => r.name === name)!,
        config,
      ),
      resp: respUrl(
        config.regions.find((r) => r.name === name)!,
        config,
      ),
    }));
    endpoints.push({ name: 'router', role: 'router', url: routerUrl(config) });
    const running = new InProcessTopology(loaded, secrets, endpoints);
    try {
      const nodeEnv = { ...env, ...secretsEnv(secrets) };
      for (const region of ordered) {
        running.nodes.push(await NodeHost.start({ config: loaded.path, region, acceptEmpty: true }, nodeEnv));
      }
      running.router = await startRouter({
        config: { ...config, auth: { ...config.auth, ...secrets } },
        ...routerTlsOptions(loaded),
      });
    } catch (error) {
      await running.stop();
      throw error;
    }
    return running;
  }

  async stop(): Promise<void> {
    await this.router?.close();
    const [primary, ...replicas] = this.nodes;
    await Promise.all(replicas.map((node) => node.close()));
    await primary?.close();
  }
}

async function up(config: string | undefined, inProcess: boolean): Promise<void> {
  survivePipeClose();
  if (inProcess) {
    const running = await InProcessTopology.start({ configPath: config });
    stopOnSignals('the topology', () => running.stop());
    console.log(banner(running));
    return;
  }
  const running = await RunningTopology.prepare({ configPath: config });
  const signalled = stopOnSignals(`${running.processes.length} processes`, () => running.stop());
  try {
    await running.launch();
  } catch (error) {
    if (signalled()) return;
    throw error;
  }
  console.log(banner(running));
}

export function registerUpCommand(program: Command): void {
  const command = program
    .command('up')
    .description('launch a whole topology (primary, replicas, router) on this machine')
    .argument('[config]', 'regions.yaml (default: ./regions.yaml, else the built-in five-region default)')
    .option('--in-process', 'run every node and the router inside this one process (no restarts)', false)
    .addHelpText(
      'after',
      `
Each region node and the router run as child processes; a crashed one is restarted (up to 5 times
in a row, with backoff) unless it failed for a reason a restart will not fix (exit code 78). Ctrl-C or
SIGTERM stops them all, and they stop by themselves if \`up\` dies in any other way. \`up\` refuses to
start over anything already listening on the topology's ports. Tokens come from MERIDIAN_TOKEN,
MERIDIAN_READONLY_TOKEN, MERIDIAN_ADMIN_TOKEN, MERIDIAN_REPLICATION_SECRET or regions.yaml; when
unset they are generated once and kept in <dataDir>/secrets.json.

Examples:
  $ meridian up                      # ./regions.yaml, or the built-in default
  $ meridian up regions.yaml
  $ meridian up --in-process regions.yaml   # one process: quicker to start, easier to profile
  $ MERIDIAN_TOKEN=secret meridian up my-topology.yaml`,
    );
  exitCodesForUsage(command);
  command.action(
    action(command, async (config: string | undefined, options: { inProcess: boolean }) => {
      await up(config, options.inProcess);
    }),
  );
}
