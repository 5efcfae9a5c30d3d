// `npm run bench` rows for replication over real WebSockets on loopback: the primary
// (ReplicationPrimary + MemoryWriteLog + an Engine executing SETs) in this process, the 4 replicas
// (ReplicationReplica + EngineApplier over WsConnector) in a child process (BENCH_REPLICA_PROCESSES=4:
// one process each, as real nodes are; on a 2-core machine the extra processes cost more than
// they give):
// - commit→applied latency at a fixed 10,000 writes/s, no injected lag (targets p50 ≤ 1 ms,
//   p99 ≤ 2 ms, issue 21), from the commit time carried in each entry and the replica's apply time (same
//   host clock: performance.timeOrigin + performance.now()), with the GC pauses of both processes
//   in the measured window (the replicas' scavenges are what the tail is made of: each copies every
//   value stored since the previous one, and with 4 replicas in one process every replica waits for
//   all four keyspaces' copies);
// - the highest write rate all 4 replicas keep up with, next to raw ws + msgpackr frames of the
//   same entries to 4 client processes that decode them and ack each frame.
// Standalone: `npm run build && node scripts/bench-replication.mjs [seconds]`.
// BENCH_CHILD_FLAGS passes node flags to the children (e.g. --cpu-prof, --trace-gc).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Packr } from 'msgpackr';
import { WebSocketServer } from 'ws';
import { Engine } from '../packages/engine/dist/index.js';
import { MemoryWriteLog } from '../packages/store/dist/index.js';
import {
  ReplicationPrimary,
  SystemClock,
  WsListener,
  engineSnapshotSource,
} from '../packages/replication/dist/index.js';

const REPLICAS = 4;
const AHEAD_MAX = Number(process.env.BENCH_AHEAD_MAX ?? 5_000);
const PROCESSES = Number(process.env.BENCH_REPLICA_PROCESSES ?? 1);
const BUCKET_MS = 0.01;
const VALUE = 'value-of-32-bytes-xxxxxxxxxxxxxx';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One child process (`bench-replication-replicas.mjs <mode> <url>`), speaking JSON lines. */
function startChild(mode, url, count) {
  const childFlags = process.env.BENCH_CHILD_FLAGS ? process.env.BENCH_CHILD_FLAGS.split(' ') : [];
  const script = new URL('./bench-replication-replicas.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [...childFlags, script, mode, url, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const state = { child, onAnswer: () => undefined };
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    buffer += text;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('{')) {
        console.error(`replica: ${line}`); // output of BENCH_CHILD_FLAGS such as --trace-gc
        continue;
      }
      state.onAnswer(JSON.parse(line));
    }
  });
  /** Asks the child one `request` line; resolves with its JSON answer. */
  const ask = (request) =>
    new Promise((resolve) => {
      state.onAnswer = resolve;
      child.stdin.write(`${request}\n`);
    });
  /** Resolves with `{ histogram, gc }`: latencies from `fromOffset` on, GC pauses since `sinceMs` (epoch). */
  state.report = (fromOffset, sinceMs) => ask(`report ${fromOffset} ${sinceMs}`);
  /** Resolves with the child's CPU time so far (µs, every thread: process.cpuUsage). */
  state.cpuUs = async () => (await ask('cpu')).cpuUs;
  state.stop = () => child.kill(childFlags.length > 0 ? 'SIGTERM' : 'SIGKILL');
  return state;
}

function startChildren(mode, url) {
  const children = [];
  for (let p = 0; p < PROCESSES; p++) {
    const count = Math.floor(REPLICAS / PROCESSES) + (p < REPLICAS % PROCESSES ? 1 : 0);
    if (count > 0) children.push(startChild(mode, url, count));
  }
  return children;
}

function percentiles(histograms) {
  const counts = new Map();
  for (const histogram of histograms) {
    for (let i = 0; i < histogram.length; i += 2) {
      counts.set(histogram[i], (counts.get(histogram[i]) ?? 0) + histogram[i + 1]);
    }
  }
  const buckets = [...counts].sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  const at = (p) => {
    const rank = Math.min(total - 1, Math.floor(p * total));
    let seen = 0;
    for (const [bucket, count] of buckets) {
      seen += count;
      if (seen > rank) return (bucket + 1) * BUCKET_MS;
    }
    return NaN;
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: at(1), samples: total };
}

/** GC pauses ([start epoch ms, duration ms, kind]) summed up: V8 kind 1 is a scavenge, the others full or incremental GCs. */
function gcSummary(pauses) {
  const scavenges = pauses.filter(([, , kind]) => kind === 1).map(([, durationMs]) => durationMs);
  const others = pauses.filter(([, , kind]) => kind !== 1).map(([, durationMs]) => durationMs);
  const round = (ms) => Math.round(ms * 100) / 100;
  const sum = (list) => round(list.reduce((total, ms) => total + ms, 0));
  return {
    scavenges: scavenges.length,
    scavengeMsMax: round(Math.max(0, ...scavenges)),
    scavengeMsTotal: sum(scavenges),
    otherPauses: others.length,
    otherMsMax: round(Math.max(0, ...others)),
  };
}

/** `mode`: 'replica' (the replicas record latencies) or 'replica-rate' (they do not). */
async function startPrimary(mode) {
  const clock = new SystemClock();
  const engine = new Engine({ role: 'primary' });
  const log = new MemoryWriteLog();
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const primary = new ReplicationPrimary({
    listener: new WsListener({ server }),
    log,
    clock,
    snapshots: engineSnapshotSource(engine, log, clock),
    secret: 'bench-secret',
    replicationId: 'bench',
    heartbeatMs: 100,
  });
  const url = `ws://127.0.0.1:${server.address().port}/_meridian/replication`;
  const children = startChildren(mode, url);
  let i = 0;
  const write = () => {
    const nowMs = clock.nowMs();
    const { effects } = engine.execute(['SET', `key:${i++ % 10000}`, VALUE], nowMs);
    log.append(nowMs, effects);
    primary.onAppend();
  };
  // Like a node's log, the in-memory one is truncated once every replica has the entries; kept
  // whole, each young-generation GC would copy every write since the previous one.
  const truncate = setInterval(() => {
    const acked = primary.status().map((status) => status.ackedOffset);
    if (acked.length === REPLICAS) log.truncateBefore(Math.min(...acked) + 1);
  }, 100);
  const stop = async () => {
    clearInterval(truncate);
    for (const child of children) child.stop();
    await primary.close();
    server.closeAllConnections();
    server.close();
  };
  while (primary.status().filter((s) => s.state === 'live').length < REPLICAS) await sleep(50);
  // A primary learns what its replicas applied from their acks (sent after each apply turn): the
  // load generator waits on them as WAIT does, with no polling of its own.
  const untilApplied = (offset) => primary.waitForReplicas(REPLICAS, offset, 0);
  const appliedMin = () => Math.min(...primary.status().map((status) => status.ackedOffset));
  const latency = async (fromOffset, sinceMs) => {
    const reports = await Promise.all(children.map((child) => child.report(fromOffset, sinceMs)));
    return {
      ...percentiles(reports.map((report) => report.histogram)),
      replicaGc: gcSummary(reports.flatMap((report) => report.gc)),
    };
  };
  return { write, log, stop, untilApplied, appliedMin, latency, children };
}

/**
 * Writes at `rate`/s (in 1 ms ticks) for `seconds`, after a one-second warm-up at the same rate
 * that is not measured (JIT, first GCs); returns commit→applied percentiles over every entry and
 * replica (ms, 10 µs resolution), and the GC pauses of the replicas' process and the primary's.
 */
export async function latencyAtRate(rate, seconds) {
  const bench = await startPrimary('replica');
  const primaryGc = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      primaryGc.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind ?? 0]);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const warmupMs = 1000;
    const startMs = performance.now();
    const endMs = startMs + warmupMs + seconds * 1000;
    let measureFrom;
    let measureSinceMs = 0;
    let written = 0;
    while (performance.now() < endMs) {
      const now = performance.now();
      if (measureFrom === undefined && now - startMs >= warmupMs) {
        measureFrom = bench.log.lastOffset() + 1;
        measureSinceMs = performance.timeOrigin + now;
      }
      const due = Math.floor(((now - startMs) * rate) / 1000);
      for (; written < due; written++) bench.write();
      await sleep(1);
    }
    await bench.untilApplied(bench.log.lastOffset());
    const latency = await bench.latency(measureFrom, measureSinceMs);
    return { ...latency, primaryGc: gcSummary(primaryGc.filter(([startMs]) => startMs >= measureSinceMs)) };
  } finally {
    observer.disconnect();
    await bench.stop();
  }
}

const BATCH = 1000;

/**
 * Writes as fast as the replicas keep up (batches of BATCH = 1,000, never more than BENCH_AHEAD_MAX = 5,000
 * entries ahead of the slowest replica's ack) for `seconds`; returns entries applied by every replica per
 * second, and the CPU time per entry of the writing process and of the replicas' processes.
 */
export async function sustainedRate(seconds) {
  const bench = await startPrimary('replica-rate');
  try {
    return await paced(seconds, bench, () => {
      for (let n = 0; n < BATCH; n++) bench.write();
      return bench.log.lastOffset();
    });
  } finally {
    await bench.stop();
  }
}

/**
 * Writes a batch, lets the event loop turn once (the primary sends what was written), then waits
 * until the slowest replica is close enough for the next batch (`untilApplied`, resolved by the
 * replicas' acks). Nothing polls: the writing process sleeps while it is ahead, and leaves the
 * cores to the replicas.
 */
async function paced(seconds, { untilApplied, appliedMin, children }, writeBatch) {
  const cpuBefore = await cpuNowUs(children);
  let offset = 0;
  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  while (performance.now() < endMs) {
    offset = writeBatch();
    await new Promise((resolve) => setImmediate(resolve));
    await untilApplied(offset + BATCH - AHEAD_MAX);
  }
  let drainTimer;
  await Promise.race([
    untilApplied(offset),
    new Promise((resolve) => {
      drainTimer = setTimeout(resolve, 10_000);
    }),
  ]);
  clearTimeout(drainTimer);
  const elapsedSeconds = (performance.now() - startMs) / 1000;
  const applied = appliedMin();
  const cpuAfter = await cpuNowUs(children);
  const perEntry = (us) => Math.round((us * 1000) / applied) / 1000;
  return {
    rate: applied / elapsedSeconds,
    writerCpuUsPerEntry: perEntry(cpuAfter.writer - cpuBefore.writer),
    replicasCpuUsPerEntry: perEntry(cpuAfter.replicas - cpuBefore.replicas),
  };
}

async function cpuNowUs(children) {
  const { user, system } = process.cpuUsage();
  const replicas = (await Promise.all(children.map((child) => child.cpuUs()))).reduce((sum, us) => sum + us, 0);
  return { writer: user + system, replicas };
}

/** Reference: a raw ws server sending msgpackr frames of the same entries to 4 client processes, which ack each frame. */
export async function rawReference(seconds) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => server.once('listening', resolve));
  const acked = [];
  let waiter;
  server.on('connection', (socket) => {
    const index = acked.length;
    acked.push(0);
    socket.on('message', (data) => {
      acked[index] = Number(data);
      if (waiter !== undefined && Math.min(...acked) >= waiter.offset) {
        const { resolve } = waiter;
        waiter = undefined;
        resolve();
      }
    });
  });
  const sockets = () => [...server.clients];
  const untilApplied = (offset) => {
    if (acked.length === REPLICAS && Math.min(...acked) >= offset) return Promise.resolve();
    return new Promise((resolve) => {
      waiter = { offset, resolve };
    });
  };
  const children = startChildren('raw', `ws://127.0.0.1:${server.address().port}`);
  try {
    while (acked.length < REPLICAS) await sleep(10);
    const packr = new Packr();
    const clients = sockets();
    let offset = 0;
    const appliedMin = () => Math.min(...acked);
    return await paced(seconds, { untilApplied, appliedMin, children }, () => {
      const entries = [];
      for (let n = 0; n < BATCH; n++) {
        offset++;
        const timeMs = performance.timeOrigin + performance.now();
        entries.push({ offset, timeMs, effects: [['SET', `key:${offset % 10000}`, VALUE]] });
      }
      const frame = packr.pack(entries);
      for (const socket of clients) socket.send(frame);
      return offset;
    });
  } finally {
    for (const child of children) child.stop();
    server.close();
  }
}

// `npm run bench` passes no `log`: the latency run's detail (percentiles, GC pauses) goes to
// stderr, beside its progress lines.
export async function bench({ seconds, addRow, log = (text) => console.error(text) }) {
  const runSeconds = Math.min(seconds, 5);
  const latency = await latencyAtRate(10_000, runSeconds);
  log(`commit→applied at 10,000 writes/s (ms): ${JSON.stringify(latency)}`);
  addRow(
    'replication commit→applied p50, 4 replicas, 10,000 writes/s',
    latency.p50,
    'ms',
    undefined,
    undefined,
    '≤ 1 ms',
  );
  addRow(
    'replication commit→applied p99, 4 replicas, 10,000 writes/s',
    latency.p99,
    'ms',
    undefined,
    undefined,
    '≤ 2 ms',
  );
  const ours = await sustainedRate(runSeconds);
  log(`replication throughput, ours (CPU µs per entry by process): ${JSON.stringify(ours)}`);
  const raw = await rawReference(runSeconds);
  log(`replication throughput, raw ws + msgpackr (CPU µs per entry by process): ${JSON.stringify(raw)}`);
  addRow(
    'replication throughput, 4 replicas keeping up',
    ours.rate,
    'writes/s',
    raw.rate,
    'raw ws + msgpackr to 4 client processes',
    '≥ 200,000 writes/s',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await bench({
    seconds: Number(process.argv[2] ?? 5),
    addRow: (name, value, unit, reference, referenceName, target) => {
      const shown = value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
      const against =
        reference === undefined
          ? ''
          : ` vs ${Math.round(reference).toLocaleString('en-US')} (${referenceName}), ratio ${(value / reference).toFixed(2)}`;
      console.log(`${name}: ${shown} ${unit}${against}; target ${target}`);
    },
    log: (text) => console.log(text),
  });
  process.exit(0);
}
