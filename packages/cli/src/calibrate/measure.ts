import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Engine, MeridianError } from '@meridian/engine';
import { APPLIED_AT_HEADER, COMMITTED_AT_HEADER, TIMING_HEADER, wallClockMs } from '@meridian/node';
import { LinkModel, SeededRandom, exponential } from '@meridian/lag';
import {
  type Connection,
  crc32,
  DelayedConnection,
  decodeFrame,
  encodeFrame,
  SystemClock,
  WsConnector,
} from '@meridian/replication';
import {
  CALIBRATION_FORMAT,
  type CalibrationFile,
  HttpLiveTopology,
  type NodeCosts,
  PATH_QUANTILES_MAX,
  WAKE_UP_QUANTILES,
} from '@meridian/sim';
import { type LogEntry, SqliteWriteLog } from '@meridian/store';
import {
  type DistributionConfig,
  type Durability,
  linkDelayMs,
  linkJitter,
  type TopologyConfig,
} from '@meridian/topology';
import { freeLoopbackPorts } from '../commands/experiment.js';
import { CLI_BIN_PATH } from '../commands/topology-shared.js';
import { RunningTopology } from '../commands/up.js';
import { unheldPathsUs } from './held-back.js';

/** The built peer (from the sources, as under vitest, the one in dist). */
const PEER_PATH = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../dist/calibrate/peer.js' : './peer.js', import.meta.url),
);
/** The built load process (see PEER_PATH). */
const LOAD_PATH = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../dist/calibrate/load.js' : './load.js', import.meta.url),
);
/** The frame the peer answers with its arrival time (peer.ts). */
const STAMP_FRAME = 0x7f;
const POLICIES: readonly Durability[] = ['none', 'everysec', 'always'];
/** Entries per frame of the "many entries" measurements (per-entry cost = the slope to it). */
const BATCH_ENTRIES = 32;

export interface CalibrateOptions {
  /** Where the SQLite files and the node's data go (a temporary folder inside it, removed afterwards). */
  dir: string;
  log: (line: string) => void;
  /** Fewer samples (about 4× faster; for tests). */
  quick?: boolean;
  /**
   * Processes (load.ts) kept busy while the wake-up distributions are measured, standing for the
   * other processes of a live run (its nodes and router); 0: none besides what already runs.
   */
  loadProcesses?: number;
  /**
   * Writes timed for the commit → applied paths (default 600, quick 150): each path's quantiles are
   * an estimate from this many, so a comparison with a live run of n probes wants about n of them.
   */
  pathWrites?: number;
  /**
   * The topology the costs are for: the commit → applied paths are then measured on nodes shaped as
   * it (pathShapeOf: one replica per replica region, in its order, each on its primary link's delay
   * and jitter), plus a replica of each path it lacks. Without it: a primary and two replicas, one
   * without delay and one on a 10 ms link.
   */
  topology?: TopologyConfig;
}

/** One figure with its spread, in µs. */
interface Figure {
  p50Us: number;
  p90Us: number;
  meanUs: number;
  samples: number;
}

/**
 * Measures what the real node's code costs on this machine: the frame codec (CRC-32 inside), the
 * engine's apply, the write log's group commit per durability policy on a SQLite file, a WebSocket
 * frame and an HTTP request over loopback to another process, an event-loop turn and a timer's
 * lateness. About 10 s.
 */
export async function calibrate(options: CalibrateOptions): Promise<CalibrationFile> {
  const startedMs = performance.now();
  const scale = options.quick === true ? 0.25 : 1;
  const samples = (count: number): number => Math.max(20, Math.round(count * scale));
  const loadBefore = os.loadavg();
  const entries = sampleEntries(BATCH_ENTRIES * 64);
  const one = entries.slice(0, 1);
  const many = entries.slice(0, BATCH_ENTRIES);
  options.log('codec and apply…');
  const encode = perFrameAndEntry(
    () => encodeFrame({ t: 'entries', entries: one }),
    () => encodeFrame({ t: 'entries', entries: many }),
  );
  const frameOne = encodeFrame({ t: 'entries', entries: one });
  const frameMany = encodeFrame({ t: 'entries', entries: many });
  const decode = perFrameAndEntry(
    () => decodeFrame(frameOne),
    () => decodeFrame(frameMany),
  );
  const crcUs = timePerCall(() => crc32(frameOne), 20_000).p50Us;
  const ackFrame = encodeFrame({ t: 'ack', appliedOffset: 123_456 });
  const encodeAckUs = timePerCall(() => encodeFrame({ t: 'ack', appliedOffset: 123_456 }), 20_000).p50Us;
  const decodeAckUs = timePerCall(() => decodeFrame(ackFrame), 20_000).p50Us;
  const applyUs = applyCost(entries);
  options.log('write log commits (none, everysec, always)…');
  const commits = await commitCosts(options.dir, entries, samples);
  options.log('event loop…');
  const turn = await eventLoopTurn(samples(2_000));
  const late = await timerLateness(samples(150));
  options.log('WebSocket frames over loopback…');
  const loopback = await webSocketCosts(frameOne, samples(1_000));
  options.log('HTTP requests to a real node over loopback…');
  const http = await nodeRequestCosts(options.dir, samples(400));
  const loadProcesses = options.loadProcesses ?? 0;
  options.log(`wake-ups beside ${loadProcesses} busy processes…`);
  const wakeUps = await wakeUpCosts(loadProcesses, samples(800));
  options.log('commit → applied between a real primary and replica…');
  const pathShape = pathShapeOf(options.topology);
  const paths = await replicationPaths(options.dir, options.pathWrites ?? samples(600), pathShape, options.log);
  const unheld = {
    directUs: unheldPathsUs(paths.directUs, PATH_TRAFFIC),
    delayedUs: unheldPathsUs(paths.delayedUs, PATH_TRAFFIC),
  };
  const costs: NodeCosts = {
    eventLoopTurnUs: round(turn.p50Us),
    timerLateUs: round(late.meanUs),
    primary: {
      commitBatchUs: mapPolicies((policy) => commits[policy].batchUs),
      commitEntryUs: mapPolicies((policy) => commits[policy].entryUs),
      encodeFrameUs: round(encode.frameUs),
      encodeEntryUs: round(encode.entryUs),
      sendFrameUs: round(loopback.send.p50Us),
      receiveAckUs: round(loopback.send.p50Us + decodeAckUs),
    },
    replica: {
      receiveFrameUs: round(Math.max(0, loopback.roundTrip.p50Us / 2 - loopback.send.p50Us)),
      decodeFrameUs: round(decode.frameUs),
      decodeEntryUs: round(decode.entryUs),
      applyEntryUs: round(applyUs),
      commitBatchUs: mapPolicies((policy) => commits[policy].batchUs),
      commitEntryUs: mapPolicies((policy) => commits[policy].entryUs),
      ackUs: round(encodeAckUs + loopback.send.p50Us),
    },
    client: { requestUs: round(http.write.p50Us / 2), answerUs: round(http.read.p50Us / 2) },
    wakeUps: {
      frameUs: quantilesOf(wakeUps.frameUs),
      timerLateUs: quantilesOf(wakeUps.timerLateUs),
      pathUs: pathQuantilesOf(unheld.directUs),
      delayedPathUs: pathQuantilesOf(unheld.delayedUs),
    },
  };
  const cpus = os.cpus();
  return {
    format: CALIBRATION_FORMAT,
    measuredAt: new Date().toISOString(),
    machine: {
      hostname: os.hostname(),
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      memoryBytes: os.totalmem(),
      loadAverageBefore: loadBefore.map(round),
      loadAverageAfter: os.loadavg().map(round),
      sqliteDir: options.dir,
    },
    costs,
    details: {
      durationMs: round(performance.now() - startedMs),
      method:
        'µs per call, median of timed batches (codec, apply), of single calls (commit, loopback); timer lateness is the mean',
      entryBytes: { one: frameOne.byteLength, [`frameOf${BATCH_ENTRIES}`]: frameMany.byteLength },
      crc32OfOneEntryFrameUs: round(crcUs),
      encodeAckUs: round(encodeAckUs),
      decodeAckUs: round(decodeAckUs),
      commits,
      eventLoopTurn: rounded(turn),
      timerLate: rounded(late),
      webSocketRoundTrip: rounded(loopback.roundTrip),
      webSocketSend: rounded(loopback.send),
      nodeWriteRoundTrip: rounded(http.write),
      nodeSessionReadRoundTrip: rounded(http.read),
      wakeUps: {
        loadProcesses,
        frame: rounded(figureOf(wakeUps.frameUs)),
        timerLate: rounded(figureOf(wakeUps.timerLateUs)),
        loadAverageAfter: os.loadavg().map(round),
      },
      commitToApplied: {
        warmUpWrites: PATH_WARM_UP_WRITES,
        attempts: paths.attempts,
        replicas: pathShape.replicas,
        withoutDelay: rounded(figureOf(paths.directUs)),
        pastTheDelay: rounded(figureOf(paths.delayedUs)),
        // What costs.wakeUps keeps: each path as no earlier frame held it back (held-back.ts).
        unheld: {
          withoutDelay: rounded(figureOf(unheld.directUs)),
          pastTheDelay: rounded(figureOf(unheld.delayedUs)),
        },
      },
    },
  };
}

/** SET entries as the workload writes them (keys of a 1,000-key space, values of 16–256 bytes). */
function sampleEntries(count: number): LogEntry[] {
  const engine = new Engine({ role: 'primary' });
  const nowMs = Date.now();
  const entries: LogEntry[] = [];
  for (let i = 0; i < count; i++) {
    const value = 'v'.repeat(16 + ((i * 97) % 241));
    const { effects } = engine.execute(['SET', `key:${i % 1000}`, value], nowMs);
    entries.push({ offset: i + 1, timeMs: nowMs, effects });
  }
  return entries;
}

function perFrameAndEntry(one: () => unknown, many: () => unknown): { frameUs: number; entryUs: number } {
  const oneUs = timePerCall(one, 20_000).p50Us;
  const manyUs = timePerCall(many, 2_000).p50Us;
  const entryUs = Math.max(0, (manyUs - oneUs) / (BATCH_ENTRIES - 1));
  return { frameUs: Math.max(0, oneUs - entryUs), entryUs };
}

/** Per-call time of `fn`: batches of calls after a warm-up, the median batch's mean. */
function timePerCall(fn: () => unknown, calls: number): Figure {
  const batches = 20;
  const perBatch = Math.max(1, Math.floor(calls / batches));
  for (let i = 0; i < perBatch; i++) fn();
  const times: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) fn();
    times.push(((performance.now() - start) * 1000) / perBatch);
  }
  return figureOf(times);
}

/** A replica's apply of one entry: the engine's effects. */
function applyCost(entries: readonly LogEntry[]): number {
  const engine = new Engine({ role: 'replica' });
  let i = 0;
  return timePerCall(() => {
    const entry = entries[i++ % entries.length] as LogEntry;
    engine.applyEffects(entry.effects, entry.timeMs);
  }, 40_000).p50Us;
}

interface CommitCost {
  batchUs: number;
  entryUs: number;
  /** Median time to commit one entry, and a batch of BATCH_ENTRIES. */
  oneUs: number;
  manyUs: number;
}

/** The write log's group commit (append + flush) of 1 and of BATCH_ENTRIES entries, per policy. */
async function commitCosts(
  dir: string,
  entries: readonly LogEntry[],
  samples: (count: number) => number,
): Promise<Record<Durability, CommitCost>> {
  const folder = await mkdtemp(join(dir, 'meridian-calibrate-'));
  const out = {} as Record<Durability, CommitCost>;
  try {
    for (const policy of POLICIES) {
      const log = SqliteWriteLog.open({ policy, dataDir: join(folder, policy) });
      try {
        const rounds = samples(policy === 'always' ? 40 : 200);
        const commit = (count: number): number => {
          const start = performance.now();
          for (let i = 0; i < count; i++) {
            const entry = entries[(log.lastOffset() + i) % entries.length] as LogEntry;
            log.append(entry.timeMs, entry.effects);
          }
          log.flush();
          return (performance.now() - start) * 1000;
        };
        commit(1);
        const ones: number[] = [];
        const manys: number[] = [];
        for (let r = 0; r < rounds; r++) {
          ones.push(commit(1));
          manys.push(commit(BATCH_ENTRIES));
        }
        const oneUs = figureOf(ones).p50Us;
        const manyUs = figureOf(manys).p50Us;
        const entryUs = Math.max(0, (manyUs - oneUs) / (BATCH_ENTRIES - 1));
        out[policy] = { batchUs: round(Math.max(0, oneUs - entryUs)), entryUs: round(entryUs), oneUs, manyUs };
      } finally {
        await log.close();
      }
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return out;
}

/** One `setImmediate` turn of an idle event loop. */
async function eventLoopTurn(turns: number): Promise<Figure> {
  const times: number[] = [];
  for (let i = 0; i < turns; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    times.push((performance.now() - start) * 1000);
  }
  return figureOf(times);
}

/**
 * Beside `loadProcesses` busy processes: a frame's trip from this process's send to another
 * process's code over the WebSocket transport (both clocks aligned on the wall clock, as the nodes'
 * timing headers are), and a delayed link's lateness here; every sample, in µs.
 */
async function wakeUpCosts(
  loadProcesses: number,
  samples: number,
): Promise<{ frameUs: number[]; timerLateUs: number[] }> {
  const load = Array.from({ length: loadProcesses }, () =>
    fork(LOAD_PATH, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  try {
    await Promise.all(load.map((child) => new Promise((resolve) => child.once('message', resolve))));
    const frameUs = await oneWayTrips(samples);
    const timerLateUs = await timerLatenesses(Math.max(20, Math.round(samples / 4)));
    return { frameUs, timerLateUs };
  } finally {
    for (const child of load) child.kill();
  }
}

/** One-byte frames to the peer, each answered with its arrival time there; a few ms apart. */
async function oneWayTrips(count: number): Promise<number[]> {
  const peer = await startPeer();
  try {
    const connection = await new WsConnector({ url: `ws://127.0.0.1:${peer.port}/_meridian/replication` }).connect();
    let answered: ((arrivedMs: number) => void) | undefined;
    connection.setHandlers({
      message: (frame) => answered?.(new Float64Array(Uint8Array.from(frame).buffer)[0] as number),
      close: () => undefined,
      drain: () => undefined,
    });
    const nodeClock = (): number => performance.timeOrigin + performance.now();
    wallClockMs(nodeClock());
    const trips: number[] = [];
    const warmUp = Math.ceil(count / 5);
    const stamp = Uint8Array.of(STAMP_FRAME);
    for (let i = 0; i < warmUp + count; i++) {
      const arrived = new Promise<number>((resolve) => (answered = resolve));
      const sentMs = wallClockMs(nodeClock());
      connection.send(stamp);
      const arrivedMs = await arrived;
      if (i >= warmUp) trips.push(Math.max(0, (arrivedMs - sentMs) * 1000));
      await new Promise((resolve) => setTimeout(resolve, 1 + (i % 4)));
    }
    connection.close(1000, 'done');
    return trips;
  } finally {
    peer.child.kill();
  }
}

/**
 * Writes per second of replicationPaths: a live experiment's probe rate. They come as its probes
 * do, at Poisson times and each whether or not the ones before have finished: sent one after the
 * other 25 ms apart, the path measured p0 / p10 / p50 0.53–0.64 / 0.65–0.87 / 1.05–1.17 ms where
 * a quiet live run's probes measured 0.21 / 0.52 / 1.00 (as probes: 0.20–0.31 / 0.60 / 0.94–1.03).
 */
const PATH_WRITES_PER_SECOND = 40;
/** The heartbeat period of replicationPaths' nodes. */
const PATH_HEARTBEAT_MS = 100;
/** The traffic on a link of replicationPaths' nodes, which unheldPathsUs replays. */
const PATH_TRAFFIC = { writesPerSecond: PATH_WRITES_PER_SECOND, heartbeatMs: PATH_HEARTBEAT_MS };
/** The delayed link's delay in replicationPaths (under the writes' spacing). */
const PATH_DELAY_MS = 10;
/**
 * The quantiles calibrate keeps of a path's samples (µs): one per sample (each sample, in order) up
 * to PATH_QUANTILES_MAX, never fewer than 201 (p0 to p100 in steps of 0.5). The tail matters to a
 * comparison with a live run (see node-costs-file.ts): with 21, p95 to the slowest sample was one
 * straight line; with 201 of 7,092 writes, p99.5 to the slowest (4 and 39 ms) drew 0.5 % of the
 * paths evenly over that range, and the simulated link's order held later frames behind them: its
 * p99 came out 13 ms where the live run's was 3.6.
 */
export function pathQuantilesOf(samplesUs: readonly number[]): number[] {
  return quantilesOf(samplesUs, Math.min(PATH_QUANTILES_MAX, Math.max(201, samplesUs.length)));
}
/**
 * Writes sent before replicationPaths measures. Fresh node processes run their code cold (V8
 * compiles what runs often): at 40 writes/s, commit → applied on a link without delay went from
 * 2.3 ms to 1.5 ms at the median over the first 900 writes; after 2,000 sent at once, 1.2 ms from
 * the first. After 1,000 the median still measured 2.2–2.3 ms at load 4–5 where 3,000 gave 1.6.
 */
const PATH_WARM_UP_WRITES = 3_000;
const PATH_WARM_UP_CONCURRENCY = 10;
const PATH_PRIMARY = 'calibrate-primary';

/**
 * A replica replicationPaths launches: its primary link's delay and jitter (undefined: none), and
 * which path its commit → applied times are samples of (`direct`: a link without delay or jitter,
 * `delayed`: past the delay of a link without jitter; undefined: none, it is there as the topology has it).
 */
export interface PathReplica {
  delayMs: number;
  jitter: DistributionConfig | undefined;
  timed: 'direct' | 'delayed' | undefined;
}

/** The nodes replicationPaths measures on: the replicas, and how the links draw their jitter. */
export interface PathShape {
  replicas: PathReplica[];
  jitterMode: string | undefined;
  jitterRedrawMs: number | undefined;
}

/**
 * What replicationPaths measures on: `topology`'s replicas in its order, each on its primary link's
 * delay and jitter, plus a replica of the kind of path it lacks (one without delay, one on a
 * PATH_DELAY_MS link, neither with jitter); without a topology, just those two.
 */
export function pathShapeOf(topology: TopologyConfig | undefined): PathShape {
  const replicas = topology === undefined ? [] : topologyReplicas(topology);
  if (!replicas.some((replica) => replica.timed === 'direct')) {
    replicas.unshift({ delayMs: 0, jitter: undefined, timed: 'direct' });
  }
  if (!replicas.some((replica) => replica.timed === 'delayed')) {
    replicas.push({ delayMs: PATH_DELAY_MS, jitter: undefined, timed: 'delayed' });
  }
  return { replicas, jitterMode: topology?.network.jitterMode, jitterRedrawMs: topology?.network.jitterRedrawMs };
}

/** `topology`'s replicas in its order, each on its primary link's delay and jitter. */
function topologyReplicas(topology: TopologyConfig): PathReplica[] {
  const { primary } = topology;
  return topology.regions
    .filter((region) => region.name !== primary)
    .map((region) => {
      const delayMs = linkDelayMs(topology, primary, region.name);
      const configured = linkJitter(topology, primary, region.name);
      const jitter = configured === undefined || isNoJitter(configured) ? undefined : configured;
      return { delayMs, jitter, timed: jitter !== undefined ? undefined : delayMs === 0 ? 'direct' : 'delayed' };
    });
}

function isNoJitter(jitter: DistributionConfig): boolean {
  return jitter.distribution === 'fixed' && jitter['valueMs'] === 0;
}

/**
 * A real primary and its replicas (`meridian node` each, durability none, the router beside them,
 * as a live experiment launches them) on free loopback ports, each replica on a link of the delay
 * `shape` gives it (pathShapeOf: two replicas, one without delay and one on a link of
 * PATH_DELAY_MS, or the topology's own), warmed up. For each of `count` SETs at a probe's rate, the
 * time from its commit at the primary to its apply at each replica (past the delay for a delayed
 * one), by the nodes' own clocks: the timing headers a live experiment's probes read, through the
 * `session` reads they send. That path is the primary's turn after the commit, its log read, encode
 * and sends, the delay line's lateness, the socket, and the replica's receipt and apply, on the
 * event loops of processes that serve requests; the per-part figures above, measured in an idle
 * process, leave most of it out. In µs.
 */
async function replicationPaths(
  dir: string,
  count: number,
  shape: PathShape,
  log: (line: string) => void,
): Promise<{ directUs: number[]; delayedUs: number[]; attempts: PathAttempt[] }> {
  const attempts: PathAttempt[] = [];
  for (;;) {
    const paths = await replicationPathsOnce(dir, count, shape);
    const verdict = clocksDisagree(paths.directUs);
    attempts.push({ timed: paths.directUs.length, nonPositive: verdict.nonPositive });
    if (!verdict.disagree) return { ...clampedPaths(paths), attempts };
    if (attempts.length >= PATH_ATTEMPTS) {
      throw new MeridianError(
        'MERIDIAN_CALIBRATE_FAILED',
        `commit → applied came out ≤ 0 for ${attempts.map((a) => `${a.nonPositive} of ${a.timed}`).join(', then ')} ` +
          `writes: the calibration nodes' clocks disagree (a node aligns its clock on the wall clock at start); ` +
          `run calibrate again on a quieter machine`,
      );
    }
    log(
      `  ${verdict.nonPositive} of ${paths.directUs.length} commit → applied times were ≤ 0 (the nodes' clocks ` +
        `disagree): measuring again with new nodes`,
    );
  }
}

/** One measuring attempt of replicationPaths: fresh nodes, times as their clocks give them (µs, not clamped). */
async function replicationPathsOnce(
  dir: string,
  count: number,
  shape: PathShape,
): Promise<{ directUs: number[]; delayedUs: number[] }> {
  const folder = await mkdtemp(join(dir, 'meridian-calibrate-path-'));
  const regions = [PATH_PRIMARY, ...shape.replicas.map((_, i) => `calibrate-replica-${i + 1}`)];
  const [router = 0, ...ports] = await freeLoopbackPorts(regions.length + 1);
  const configPath = join(folder, 'regions.yaml');
  const links = shape.replicas.flatMap(({ delayMs, jitter }, i) =>
    delayMs > 0 || jitter !== undefined
      ? [
          `    - { from: ${PATH_PRIMARY}, to: ${regions[i + 1]}, delayMs: ${delayMs}` +
            `${jitter === undefined ? '' : `, jitter: ${JSON.stringify(jitter)}`} }\n`,
        ]
      : [],
  );
  const jitterMode = shape.jitterMode === undefined ? '' : `  jitterMode: ${shape.jitterMode}\n`;
  const redraw = shape.jitterRedrawMs === undefined ? '' : `  jitterRedrawMs: ${shape.jitterRedrawMs}\n`;
  await writeFile(
    configPath,
    `version: 1\nprimary: ${PATH_PRIMARY}\ndataDir: ./data\ndurability: none\nregions:\n` +
      regions
        .map(
          (name, i) =>
            `  - { name: ${name}, location: { lat: 0, lon: ${i} }, host: 127.0.0.1, port: ${ports[i]}, respPort: none }\n`,
        )
        .join('') +
      `router: { host: 127.0.0.1, port: ${router}, region: ${PATH_PRIMARY} }\n` +
      `network:\n  delay: 0\n  jitter: { distribution: fixed, valueMs: 0 }\n${jitterMode}${redraw}` +
      `  links:\n${links.join('')}` +
      `replication: { heartbeatMs: ${PATH_HEARTBEAT_MS} }\n`,
  );
  let running: RunningTopology | undefined;
  try {
    // A stop that takes longer is cut short: the data is thrown away.
    running = await RunningTopology.start({ configPath, restartsMax: 0, shutdownTimeoutMs: 500, log: () => undefined });
    const client = new HttpLiveTopology({
      regions: regions.map((name, i) => ({ name, isPrimary: i === 0, url: `http://127.0.0.1:${ports[i]}` })),
      token: running.secrets.token ?? '',
      requestTimeoutMs: 2_000,
    });
    try {
      return await timedPaths(client, count, regions, shape);
    } finally {
      client.close();
    }
  } finally {
    await running?.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

/** replicationPaths' writes: PATH_WARM_UP_WRITES, then `count` measured. */
async function timedPaths(
  client: HttpLiveTopology,
  count: number,
  regions: readonly string[],
  shape: PathShape,
): Promise<{ directUs: number[]; delayedUs: number[] }> {
  let warmed = 0;
  const warmUp = async (): Promise<void> => {
    while (warmed < PATH_WARM_UP_WRITES) await timedPath(client, regions, `warm-up:${warmed++ % 100}`);
  };
  await Promise.all(Array.from({ length: PATH_WARM_UP_CONCURRENCY }, warmUp));
  const directUs: number[] = [];
  const delayedUs: number[] = [];
  const probes: Promise<void>[] = [];
  const gap = exponential(1000 / PATH_WRITES_PER_SECOND);
  const random = new SeededRandom(PATH_WRITES_PER_SECOND);
  let nextMs = performance.now();
  for (let i = 0; i < count; i++) {
    nextMs += gap.sample(random);
    const waitMs = nextMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    // A probe whose request failed is untimed (too many of them fail the calibration below).
    probes.push(
      timedPath(client, regions, `path:${i % 1000}`).then(
        (pathsMs) => {
          for (const [j, { delayMs, timed }] of shape.replicas.entries()) {
            const pathMs = pathsMs[j] ?? Number.NaN;
            if (!Number.isFinite(pathMs) || timed === undefined) continue;
            if (timed === 'direct') directUs.push(pathMs * 1000);
            else delayedUs.push((pathMs - delayMs) * 1000);
          }
        },
        () => undefined,
      ),
    );
  }
  await Promise.all(probes);
  const timed = (kind: PathReplica['timed']): number => shape.replicas.filter((r) => r.timed === kind).length;
  if (directUs.length < (count * timed('direct')) / 2 || delayedUs.length < (count * timed('delayed')) / 2) {
    throw new MeridianError(
      'MERIDIAN_CALIBRATE_FAILED',
      `the calibration nodes timed ${directUs.length} paths without delay and ${delayedUs.length} past a delay ` +
        `(${count} writes to ${shape.replicas.length} replicas)`,
    );
  }
  return { directUs, delayedUs };
}

/** What one measuring attempt of replicationPaths timed, and how many of its paths without delay were ≤ 0. */
interface PathAttempt {
  timed: number;
  nonPositive: number;
}

/** Attempts of replicationPaths before calibrate gives up on nodes whose clocks disagree. */
const PATH_ATTEMPTS = 3;
/** Share of paths without delay that may come out ≤ 0 before an attempt is taken for misaligned clocks. */
const NON_POSITIVE_PATHS_MAX = 0.01;

/**
 * Whether the paths without delay (µs, by two nodes' clocks) show the nodes' clocks disagreeing: a
 * replica cannot apply an entry before the primary commits it, and the path takes a few hundred µs
 * (a node aligns its clock on the wall clock to within ~20 µs), so a path ≤ 0 is a clock error.
 * More than 1 % of them: the attempt is not kept (clamped to 0, they made a tenth of one
 * calibration's path zero where every other measured at least 0.19 ms).
 */
export function clocksDisagree(directUs: readonly number[]): { disagree: boolean; nonPositive: number } {
  let nonPositive = 0;
  for (const us of directUs) if (!(us > 0)) nonPositive++;
  return { disagree: nonPositive > NON_POSITIVE_PATHS_MAX * directUs.length, nonPositive };
}

/**
 * The paths kept: ≤ 0 (a stray clock error, or on the delayed link a timer Node fired early from its
 * loop's cached time) counts as 0.
 */
function clampedPaths(paths: { directUs: number[]; delayedUs: number[] }): { directUs: number[]; delayedUs: number[] } {
  const clamp = (values: number[]): number[] => values.map((us) => Math.max(0, us));
  return { directUs: clamp(paths.directUs), delayedUs: clamp(paths.delayedUs) };
}

/**
 * A SET of `key` at the primary, then (once answered, as a probe does) a `session` read of it at
 * each replica: commit → applied by their clocks, ms (NaN when untimed).
 */
async function timedPath(client: HttpLiveTopology, regions: readonly string[], key: string): Promise<number[]> {
  const [primary = PATH_PRIMARY, ...replicas] = regions;
  const timing = { [TIMING_HEADER]: '1' };
  const write = await client.request(primary, ['SET', key, 'v'.repeat(64)], timing);
  const committedMs = Number(write.headers[COMMITTED_AT_HEADER]);
  const headers = {
    ...timing,
    'x-meridian-consistency': 'session',
    'upstash-sync-token': write.headers['upstash-sync-token'] ?? '',
  };
  const reads = await Promise.all(replicas.map((replica) => client.request(replica, ['GET', key], headers)));
  return reads.map((read) => Number(read.headers[APPLIED_AT_HEADER]) - committedMs);
}

/** `count` evenly spaced quantiles (p0 … p100; 21: p0, p5, …, p100) of a sample, in µs. */
function quantilesOf(valuesUs: readonly number[], count = WAKE_UP_QUANTILES): number[] {
  const sorted = [...valuesUs].sort((a, b) => a - b);
  return Array.from({ length: count }, (_, i) => {
    const position = (i / (count - 1)) * (sorted.length - 1);
    const low = Math.floor(position);
    const lowValue = sorted[low] ?? 0;
    const highValue = sorted[Math.min(sorted.length - 1, low + 1)] ?? lowValue;
    return round(lowValue + (highValue - lowValue) * (position - low));
  });
}

/**
 * How late a link with a delay of 2–12 ms delivers a frame past its due time, through the node's
 * own DelayedConnection on the node's clock (the delay line's timer, as a primary sends).
 */
async function timerLateness(samples: number): Promise<Figure> {
  return figureOf(await timerLatenesses(samples));
}

/** timerLateness's samples, in µs. */
async function timerLatenesses(samples: number): Promise<number[]> {
  const clock = new SystemClock();
  const times: number[] = [];
  const random = new SeededRandom(1);
  let delivered: (() => void) | undefined;
  const sink: Connection = {
    closed: false,
    send: () => delivered?.(),
    close: () => undefined,
    bytesBuffered: () => 0,
    setHandlers: () => undefined,
  };
  const frame = new Uint8Array(64);
  for (let i = 0; i < samples; i++) {
    const delayMs = 2 + ((i * 7.31) % 10);
    const link = new DelayedConnection(sink, clock, new LinkModel({ baseDelayMs: delayMs }, random));
    const arrived = new Promise<void>((resolve) => (delivered = resolve));
    const dueMs = clock.nowMs() + delayMs;
    link.send(frame);
    await arrived;
    times.push((clock.nowMs() - dueMs) * 1000);
  }
  return times;
}

/** Another process on loopback echoes replication frames over the real WebSocket transport. */
async function webSocketCosts(frame: Uint8Array, count: number): Promise<{ roundTrip: Figure; send: Figure }> {
  const peer = await startPeer();
  try {
    const port = peer.port;
    const connection = await new WsConnector({ url: `ws://127.0.0.1:${port}/_meridian/replication` }).connect();
    let echoed: (() => void) | undefined;
    connection.setHandlers({ message: () => echoed?.(), close: () => undefined, drain: () => undefined });
    const roundTrips: number[] = [];
    const sends: number[] = [];
    const warmUp = Math.ceil(count / 5);
    for (let i = 0; i < warmUp + count; i++) {
      const start = performance.now();
      const back = new Promise<void>((resolve) => (echoed = resolve));
      connection.send(frame);
      const sentMs = performance.now();
      await back;
      if (i >= warmUp) {
        roundTrips.push((performance.now() - start) * 1000);
        sends.push((sentMs - start) * 1000);
      }
    }
    connection.close(1000, 'done');
    return { roundTrip: figureOf(roundTrips), send: figureOf(sends) };
  } finally {
    peer.child.kill();
  }
}

/** The calibration peer (peer.ts) in its own process, listening on a free loopback port. */
async function startPeer(): Promise<{ child: ReturnType<typeof fork>; port: number }> {
  const child = fork(PEER_PATH, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) =>
      reject(new MeridianError('MERIDIAN_CALIBRATE_FAILED', `the calibration peer exited (${code ?? 'signal'})`)),
    );
  });
  return { child, port };
}

/**
 * A real `meridian node` (one region, durability none, a temporary data folder) on a free
 * loopback port, asked by the live experiment's own HTTP client: a SET (a probe's write) and a
 * `session` read of it (a probe's read) each way round.
 */
async function nodeRequestCosts(dir: string, count: number): Promise<{ write: Figure; read: Figure }> {
  const folder = await mkdtemp(join(dir, 'meridian-calibrate-node-'));
  const [port = 0] = await freeLoopbackPorts(1);
  const configPath = join(folder, 'regions.yaml');
  await writeFile(
    configPath,
    `version: 1\nprimary: calibrate\ndataDir: ${JSON.stringify(join(folder, 'data'))}\ndurability: none\n` +
      `regions:\n  - { name: calibrate, location: { lat: 0, lon: 0 }, host: 127.0.0.1, port: ${port}, respPort: none }\n`,
  );
  const token = 'meridian-calibrate';
  const child = spawn(
    process.execPath,
    [CLI_BIN_PATH, 'node', '--region', 'calibrate', '--config', configPath, '--accept-empty'],
    { stdio: 'ignore', env: { ...process.env, MERIDIAN_TOKEN: token } },
  );
  const client = new HttpLiveTopology({
    regions: [{ name: 'calibrate', isPrimary: true, url: `http://127.0.0.1:${port}` }],
    token,
    requestTimeoutMs: 2_000,
  });
  try {
    await untilHealthy(client, child);
    const writes: number[] = [];
    const reads: number[] = [];
    const warmUp = Math.ceil(count / 5);
    for (let i = 0; i < warmUp + count; i++) {
      const start = performance.now();
      const answer = await client.request('calibrate', ['SET', `key:${i % 1000}`, 'v'.repeat(64)], {});
      const writtenMs = performance.now();
      const token = answer.headers['upstash-sync-token'] ?? '';
      await client.request('calibrate', ['GET', `key:${i % 1000}`], {
        'x-meridian-consistency': 'session',
        'upstash-sync-token': token,
      });
      if (i >= warmUp) {
        writes.push((writtenMs - start) * 1000);
        reads.push((performance.now() - writtenMs) * 1000);
      }
    }
    return { write: figureOf(writes), read: figureOf(reads) };
  } finally {
    client.close();
    child.kill();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    await rm(folder, { recursive: true, force: true });
  }
}

async function untilHealthy(client: HttpLiveTopology, child: ReturnType<typeof spawn>): Promise<void> {
  const deadlineMs = performance.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new MeridianError('MERIDIAN_CALIBRATE_FAILED', `the calibration node exited (${child.exitCode})`);
    const healthy = await client.request('calibrate', ['PING'], {}).then(
      (answer) => answer.status === 200,
      () => false,
    );
    if (healthy) return;
    if (performance.now() > deadlineMs)
      throw new MeridianError('MERIDIAN_CALIBRATE_FAILED', 'the calibration node did not answer within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function figureOf(valuesUs: readonly number[]): Figure {
  const sorted = [...valuesUs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const meanUs = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { p50Us: at(0.5), p90Us: at(0.9), meanUs, samples: sorted.length };
}

function mapPolicies(value: (policy: Durability) => number): Record<Durability, number> {
  return { none: round(value('none')), everysec: round(value('everysec')), always: round(value('always')) };
}

function rounded(figure: Figure): Figure {
  return {
    p50Us: round(figure.p50Us),
    p90Us: round(figure.p90Us),
    meanUs: round(figure.meanUs),
    samples: figure.samples,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
