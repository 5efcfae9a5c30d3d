import { MeridianError } from '@meridian/engine';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  type ExperimentCommandHooks,
  HttpLiveTopology,
  type LiveLaunchRequest,
  type LiveSession,
  registerExperimentCommand,
  relocateTopologyText,
} from '@meridian/sim';
import { DEFAULT_RESP_PORT_OFFSET, type TopologyConfig } from '@meridian/topology';
import { RunningTopology } from './up.js';
import {
  EMBEDDED_CONFIG_PATH,
  UsageError,
  httpCall,
  loadTopology,
  regionUrl,
  resolveSecrets,
} from './topology-shared.js';

const RESTART_HEALTHY_TIMEOUT_MS = 30_000;

function liveRegions(config: TopologyConfig): { name: string; isPrimary: boolean; url: string }[] {
  return config.regions.map((region) => ({
    name: region.name,
    isPrimary: region.name === config.primary,
    url: regionUrl(region, config),
  }));
}

/**
 * `count` ports the OS says are free right now, on loopback, none of them another's default RESP
 * port (port + 1000): a config that names only ports would otherwise fail to load ("already used")
 * for two that happened to lie 1,000 apart. Every listener is held until all are chosen, so the
 * ports differ.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const listen = (): Promise<net.Server> =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
  const held: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = await listen();
      held.push(server);
      const port = (server.address() as net.AddressInfo).port;
      const clashes = ports.some((other) => Math.abs(other - port) === DEFAULT_RESP_PORT_OFFSET);
      if (!clashes) ports.push(port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  return ports;
}

/** `--attach`: the topology `meridian up` runs, with tokens from the environment or secrets.json. */
async function attach(request: LiveLaunchRequest): Promise<LiveSession> {
  const loaded = loadTopology(request.configPath);
  const secrets = resolveSecrets(loaded, false);
  if (secrets.token === undefined) {
    throw new UsageError(
      `no token: set MERIDIAN_TOKEN, or run where \`meridian up\` keeps ${join(loaded.dataDir, 'secrets.json')}`,
    );
  }
  const topology = new HttpLiveTopology({
    regions: liveRegions(loaded.config),
    token: secrets.token,
    adminToken: secrets.adminToken,
  });
  for (const region of loaded.config.regions) {
    await topology.adminStatus(region.name).catch((error: unknown) => {
      topology.close();
      throw new MeridianError(
        'MERIDIAN_EXPERIMENT_FAILED',
        `cannot attach: ${region.name} does not answer /_meridian/status (${error instanceof Error ? error.message : String(error)}) — is \`meridian up\` running?`,
      );
    });
  }
  return { topology, close: async () => topology.close() };
}

/** The config rewritten onto free loopback ports and a temporary data folder. */
async function relocate(configPath: string, config: TopologyConfig): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'meridian-experiment-'));
  const ports = await freeLoopbackPorts(config.regions.length + 1);
  const regionPorts = Object.fromEntries(config.regions.map((region, i) => [region.name, ports[i + 1] as number]));
  const text = relocateTopologyText(await readFile(configPath, 'utf8'), {
    regionPorts,
    routerPort: ports[0] as number,
    dataDir: join(dir, 'data'),
  });
  const path = join(dir, 'regions.yaml');
  await writeFile(path, text);
  return { path, dir };
}

/**
 * Launches the topology as supervised child processes (no automatic restarts: crash faults decide
 * when a node comes back) and hands live mode a view of it with crash/restart.
 */
async function launch(request: LiveLaunchRequest): Promise<LiveSession> {
  const relocated = request.freePorts ? await relocate(request.configPath, request.config) : undefined;
  const crashed = new Set<string>();
  const log = (line: string): void => {
    // A crash fault's exit is expected; the supervisor's "gave up" line about it is not news.
    if (/^meridian: (\S+) was killed by SIGKILL; gave up/.test(line)) return;
    if (line.startsWith('meridian:')) request.log(line);
  };
  let running: RunningTopology;
  try {
    running = await RunningTopology.start({ configPath: relocated?.path ?? request.configPath, restartsMax: 0, log });
  } catch (error) {
    if (relocated !== undefined) await rm(relocated.dir, { recursive: true, force: true });
    throw error;
  }
  const { config } = running.loaded;
  const processOf = (region: string) => {
    const child = running.processes.find((candidate) => candidate.name === region);
    if (child === undefined) throw new MeridianError('MERIDIAN_EXPERIMENT_FAILED', `no process for region ${region}`);
    return child;
  };
  const token = running.secrets.token;
  if (token === undefined) throw new MeridianError('MERIDIAN_EXPERIMENT_FAILED', 'the launched topology has no token');
  const topology = new HttpLiveTopology({
    regions: liveRegions(config),
    token,
    adminToken: running.secrets.adminToken,
    crash: async (region) => {
      const child = processOf(region);
      const pid = child.pid;
      if (pid === undefined) return;
      crashed.add(region);
      process.kill(pid, 'SIGKILL');
      while (child.pid !== undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    pause: async (region) => {
      const pid = processOf(region).pid;
      if (pid !== undefined) process.kill(pid, 'SIGSTOP');
    },
    resume: async (region) => {
      const pid = processOf(region).pid;
      if (pid !== undefined) process.kill(pid, 'SIGCONT');
    },
    restart: async (region) => {
      const child = processOf(region);
      if (child.pid === undefined) child.start();
      crashed.delete(region);
      const url = regionUrl(
        config.regions.find((candidate) => candidate.name === region)!,
        config,
      );
      await waitHealthy(url, region);
    },
  });
  return {
    topology,
    close: async () => {
      topology.close();
      await running.stop();
      if (relocated !== undefined) await rm(relocated.dir, { recursive: true, force: true });
    },
  };
}

async function waitHealthy(url: string, region: string): Promise<void> {
  const deadlineMs = Date.now() + RESTART_HEALTHY_TIMEOUT_MS;
  for (;;) {
    const answer = await httpCall(`${url}/_meridian/health`, { timeoutMs: 1000 }, region).catch(() => undefined);
    if (answer?.status === 200) return;
    if (Date.now() > deadlineMs)
      throw new MeridianError('MERIDIAN_EXPERIMENT_FAILED', `${region} did not become healthy after its restart`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the CLI plugs into `meridian experiment staleness`: live mode over real processes. */
export const experimentHooks: ExperimentCommandHooks = {
  liveTopology: (request) => (request.attach ? attach(request) : launch(request)),
  defaultConfigPath: () => (existsSync('regions.yaml') ? 'regions.yaml' : EMBEDDED_CONFIG_PATH),
};

/** `meridian experiment staleness [--mode sim|live] …` */
export function registerExperimentCommands(program: Command): Command {
  return registerExperimentCommand(program, experimentHooks);
}
