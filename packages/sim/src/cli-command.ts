import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseTopology, type TopologyConfig } from '@meridian/topology';
import { type ExperimentResult, ExperimentUnavailableError, runStalenessExperiment } from './experiment.js';
import { parseFaultSchedule } from './faults.js';
import type { LiveTopology } from './live.js';
import { LIVE_POLL_INTERVAL_MS_DEFAULT, LIVE_PROBES_PER_SECOND_DEFAULT } from './live-run.js';
import { defaultExperimentOptions, type ExperimentOptions, type ProgressReport } from './options.js';
import { loadNodeCosts } from './node-costs-file.js';
import { formatTerminalTable, writeExperimentOutputs } from './outputs.js';

export interface StalenessFlags {
  mode: 'sim' | 'live';
  config?: string;
  seed?: number;
  out: string;
  faults?: string;
  faultsJson?: string;
  durationMs?: number;
  warmupMs?: number;
  writesPerSecond?: number;
  readsPerSecond?: number;
  publishesPerSecond?: number;
  clientsPerRegion?: number;
  keys?: number;
  zipf?: number;
  valueBytes?: [number, number];
  consistency?: Record<string, number>;
  regionWeights?: Record<string, number>;
  clientLocalDelayMs?: number;
  diskSyncMs?: number;
  progress?: boolean;
  attach?: boolean;
  freePorts?: boolean;
  probesPerSecond?: number;
  pollIntervalMs?: number;
  probeMethod?: 'wait' | 'poll';
}

/** What live mode asks the CLI for: attach to the running topology, or launch one. */
export interface LiveLaunchRequest {
  config: TopologyConfig;
  configPath: string;
  /** Use the topology already running on the config's ports (tokens from env / secrets.json). */
  attach: boolean;
  /** Launch on free ports with a temporary data folder instead of the config's ports and dataDir. */
  freePorts: boolean;
  /** Progress and child-process lines. */
  log: (line: string) => void;
}

/** A topology live mode runs against; `close` stops what was launched (nothing when attached). */
export interface LiveSession {
  topology: LiveTopology;
  close(): Promise<void>;
}

export interface ExperimentCommandHooks {
  /** Live mode: launches or finds the topology's processes (the CLI provides it). */
  liveTopology?: (request: LiveLaunchRequest) => Promise<LiveSession>;
  /** The config file to read when --config is not given (default: regions.yaml). */
  defaultConfigPath?: () => string;
}

/** Live mode's defaults where the flags say nothing: a short run at rates one machine can drive. */
export const LIVE_DEFAULTS = {
  durationMs: 15_000,
  warmupMs: 1_000,
  writesPerSecond: 50,
  readsPerSecond: 400,
  clientsPerRegion: 4,
} as const;

export function flagNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError('must be a number ≥ 0');
  return value;
}

function pairs(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const at = part.lastIndexOf(':');
    if (at <= 0) throw new InvalidArgumentError(`expected name:weight pairs, got "${part}"`);
    out[part.slice(0, at).trim()] = flagNumber(part.slice(at + 1));
  }
  return out;
}

export function flagRange(text: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (match === null) throw new InvalidArgumentError('expected BYTES or MIN-MAX');
  const min = Number(match[1]);
  return [min, match[2] === undefined ? min : Number(match[2])];
}

/**
 * An experiment the `meridian experiment` command offers: it adds its subcommand (flags, help, action).
 * A new experiment is a new file with one of these, listed in EXPERIMENTS.
 */
export interface ExperimentPlugin {
  readonly name: string;
  register(experiment: Command, hooks: ExperimentCommandHooks): void;
}

/** `meridian experiment staleness`: replication lag, t-visibility, stale reads and latency per region and level. */
export const stalenessExperiment: ExperimentPlugin = {
  name: 'staleness',
  register: (experiment, hooks) => registerStaleness(experiment, hooks),
};

function registerStaleness(experiment: Command, hooks: ExperimentCommandHooks): void {
  experiment
    .command('staleness')
    .description('measure replication lag, t-visibility, stale reads and latency per region and consistency level')
    .addOption(
      new Option('--mode <mode>', 'sim (virtual clock) or live (real processes)')
        .choices(['sim', 'live'])
        .default('sim'),
    )
    .option('--config <file>', 'topology (default: ./regions.yaml, else the built-in five-region default)')
    .option('--seed <n>', 'random seed (sim mode replays exactly from it)', flagNumber)
    .option('--out <dir>', 'output folder', 'experiment-out')
    .option('--faults <file>', 'fault schedule (YAML or JSON)')
    .option('--faults-json <json>', 'fault schedule inline')
    .option('--duration-ms <ms>', 'simulated workload length', flagNumber)
    .option('--warmup-ms <ms>', 'simulated time before the workload', flagNumber)
    .option('--writes-per-second <n>', 'open-loop write rate (all clients)', flagNumber)
    .option('--reads-per-second <n>', 'open-loop read rate (all clients)', flagNumber)
    .option('--publishes-per-second <n>', 'open-loop PUBLISH rate (all clients; one subscriber per region)', flagNumber)
    .option('--clients-per-region <n>', 'clients in each region', flagNumber)
    .option('--keys <n>', 'number of keys', flagNumber)
    .option('--zipf <s>', 'zipf exponent of key popularity (0: uniform)', flagNumber)
    .option('--value-bytes <min-max>', 'value size range', flagRange)
    .option('--consistency <mix>', 'client share per level, e.g. eventual:1,session:1,bounded=250:1,strong:1', pairs)
    .option('--region-weights <weights>', 'traffic share per region, e.g. us-east-1:2,eu-west-1:1', pairs)
    .option('--client-local-delay-ms <ms>', 'client ↔ node delay within a region', flagNumber)
    .option('--disk-sync-ms <ms>', 'simulated time for a write to become durable', flagNumber)
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--attach', 'live: run against the topology already running (`meridian up`) instead of launching one')
    .option('--free-ports', 'live: launch on free ports with a temporary data folder (not the config ports)')
    .option(
      '--probes-per-second <n>',
      `live: probe writes per second (default ${LIVE_PROBES_PER_SECOND_DEFAULT})`,
      flagNumber,
    )
    .addOption(
      new Option('--probe-method <method>', 'live: how probes see visibility (see docs/experiments.md)')
        .choices(['wait', 'poll'])
        .default('wait'),
    )
    .option(
      '--poll-interval-ms <ms>',
      `live, poll: time between probe reads (default ${LIVE_POLL_INTERVAL_MS_DEFAULT})`,
      flagNumber,
    )
    .addHelpText(
      'after',
      `
Sim mode (the default) runs the production code on a virtual clock: 60 simulated seconds in a few
wall-clock seconds, the same seed gives the same summary.json. Live mode launches the topology as
child processes (or, with --attach, uses the one \`meridian up\` runs) and drives the workload in real
time for ${LIVE_DEFAULTS.durationMs / 1000} s by default, at ${LIVE_DEFAULTS.writesPerSecond} writes/s and ${LIVE_DEFAULTS.readsPerSecond} reads/s unless the flags say otherwise.

Examples:
  $ meridian experiment staleness
  $ meridian experiment staleness --seed 7 --out runs/7
  $ meridian experiment staleness --mode live --free-ports
  $ meridian experiment staleness --mode live --attach --duration-ms 30000
  $ meridian experiment staleness --faults faults.yaml   # see docs/experiments.md`,
    )
    .action(async (flags: StalenessFlags) => {
      const configPath = flags.config ?? hooks.defaultConfigPath?.() ?? 'regions.yaml';
      const options = await experimentOptionsFromFlags({ ...flags, config: configPath });
      let session: LiveSession | undefined;
      if (options.mode === 'live') {
        if (hooks.liveTopology === undefined) throw new ExperimentUnavailableError('live mode needs the meridian CLI');
        session = await hooks.liveTopology({
          config: options.topology,
          configPath,
          attach: flags.attach === true,
          freePorts: flags.freePorts === true,
          log: (line) => console.error(line),
        });
        options.live = session.topology;
      }
      if (flags.progress === true || process.stderr.isTTY) options.progress = progressBar(options.mode);
      // Ctrl-C: stop at the next step and write what was measured, marked partial; a second one quits.
      const interrupt = new AbortController();
      const onSigint = (): void => {
        if (interrupt.signal.aborted) process.exit(130);
        interrupt.abort();
        process.stderr.write('\ninterrupted: writing what was measured so far (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSigint);
      options.interrupt = interrupt.signal;
      options.betweenSteps = () => new Promise((resolve) => setImmediate(resolve));
      let result: ExperimentResult;
      try {
        result = await runStalenessExperiment(options);
      } finally {
        process.off('SIGINT', onSigint);
        await session?.close();
      }
      if (options.progress !== undefined) process.stderr.write('\n');
      if (result.summary.partial !== undefined) process.exitCode = 130;
      const paths = await writeExperimentOutputs(result, flags.out);
      console.log(formatTerminalTable(result));
      console.log(
        `wrote ${paths.length} files to ${flags.out} (report: ${paths.find((p) => p.endsWith('report.html')) ?? ''})`,
      );
    });
}

/** Builds experiment options from the subcommand's flags (exported for tests and the integrator). */
export async function experimentOptionsFromFlags(
  flags: StalenessFlags & { config: string },
): Promise<ExperimentOptions> {
  const config = parseTopology(await readFile(flags.config, 'utf8'), flags.config);
  const options = defaultExperimentOptions(config);
  // Read (and checked) in both modes; only the simulator charges them.
  options.nodeCosts = loadNodeCosts(config);
  const workload = options.workload;
  options.mode = flags.mode;
  if (flags.mode === 'live') {
    options.durationMs = LIVE_DEFAULTS.durationMs;
    options.warmupMs = LIVE_DEFAULTS.warmupMs;
    workload.writesPerSecond = LIVE_DEFAULTS.writesPerSecond;
    workload.readsPerSecond = LIVE_DEFAULTS.readsPerSecond;
    workload.clientsPerRegion = LIVE_DEFAULTS.clientsPerRegion;
    options.liveProbes = {
      probesPerSecond: flags.probesPerSecond ?? LIVE_PROBES_PER_SECOND_DEFAULT,
      method: flags.probeMethod ?? 'wait',
      pollIntervalMs: flags.pollIntervalMs ?? LIVE_POLL_INTERVAL_MS_DEFAULT,
    };
  }
  options.replay = { configPath: flags.config, ...(flags.faults === undefined ? {} : { faultsPath: flags.faults }) };
  const names = config.regions.map((region) => region.name);
  if (flags.faults !== undefined) options.faults = parseFaultSchedule(await readFile(flags.faults, 'utf8'), names);
  if (flags.faultsJson !== undefined) options.faults = parseFaultSchedule(flags.faultsJson, names);
  if (flags.seed !== undefined) options.seed = flags.seed;
  if (flags.durationMs !== undefined) options.durationMs = flags.durationMs;
  if (flags.warmupMs !== undefined) options.warmupMs = flags.warmupMs;
  if (flags.writesPerSecond !== undefined) workload.writesPerSecond = flags.writesPerSecond;
  if (flags.readsPerSecond !== undefined) workload.readsPerSecond = flags.readsPerSecond;
  if (flags.publishesPerSecond !== undefined) workload.publishesPerSecond = flags.publishesPerSecond;
  if (flags.clientsPerRegion !== undefined) workload.clientsPerRegion = flags.clientsPerRegion;
  if (flags.keys !== undefined) workload.keyCount = flags.keys;
  if (flags.zipf !== undefined)
    workload.keyPopularity = flags.zipf === 0 ? { kind: 'uniform' } : { kind: 'zipf', exponent: flags.zipf };
  if (flags.valueBytes !== undefined) [workload.valueBytesMin, workload.valueBytesMax] = flags.valueBytes;
  if (flags.consistency !== undefined) workload.consistencyMix = flags.consistency;
  if (flags.regionWeights !== undefined) workload.regionWeights = flags.regionWeights;
  if (flags.clientLocalDelayMs !== undefined) options.clientLocalDelayMs = flags.clientLocalDelayMs;
  if (flags.diskSyncMs !== undefined) options.diskSyncMs = flags.diskSyncMs;
  return options;
}

/** `simulating [#####...............] 25% 30/120 s simulated, 41,200 events/s, ETA 9 s` on stderr. */
export function progressLine(mode: 'sim' | 'live', report: ProgressReport, elapsedMs: number): string {
  const [doing, unit] = mode === 'sim' ? ['simulating', 's simulated'] : ['running live', 's'];
  const { simulatedMs, totalMs, eventsRun } = report;
  const share = totalMs > 0 ? Math.min(1, simulatedMs / totalMs) : 1;
  const percent = Math.floor(share * 100);
  const filled = Math.floor(percent / 5);
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const rate = eventsRun === undefined ? '' : `, ${Math.round(eventsRun / seconds).toLocaleString('en-US')} events/s`;
  const eta = share > 0 && share < 1 ? `, ETA ${Math.ceil((seconds * (1 - share)) / share)} s` : '';
  return `${doing} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${percent}% ${(simulatedMs / 1000).toFixed(0)}/${(totalMs / 1000).toFixed(0)} ${unit}${rate}${eta}`;
}

function progressBar(mode: 'sim' | 'live'): (report: ProgressReport) => void {
  const startedMs = performance.now();
  let last = -1;
  return (report) => {
    const percent = Math.floor((report.simulatedMs / Math.max(1, report.totalMs)) * 100);
    if (percent === last) return;
    last = percent;
    const clear = process.stderr.isTTY ? '\x1b[K' : '';
    process.stderr.write(`\r${progressLine(mode, report, performance.now() - startedMs)}${clear}`);
  };
}
