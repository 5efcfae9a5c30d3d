// Child process of bench-replication.mjs. `replica <url> <n>`: n replicas (ReplicationReplica +
// EngineApplier over WsConnector). `replica-rate <url> <n>`: the same replicas for the throughput
// run, which reports no latencies and so records none (millions of samples in arrays that double
// and copy would cost the replica process memory and GC that a real node does not pay). Like a
// node's, the replicas' listeners take no per-entry 'applied' events (an object per entry): the
// applied offset is read from the replica, and the latency run's per-entry latencies come from
// the `onEntryApplied` hook, which builds nothing per entry. `raw <url> <n>`: n reference
// clients, decoding msgpackr frames of entries and acking each. Prints the lowest applied offset
// every 10 ms as `{"appliedMax": n}`. A replica keeps commit→applied latencies in memory and, on
// a `report <fromOffset> <sinceMs>` line on stdin, prints a sparse histogram (10 µs buckets) of those from
// that offset on. (Streaming every sample would measure the pipe: stdout writes to a pipe block on
// Linux.) The report also lists this process's GC pauses since the `report` line's second field
// (epoch ms): scavenges of the replicas' young generation are what the latency tail is made of.
import { createInterface } from 'node:readline';
import { PerformanceObserver } from 'node:perf_hooks';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { Engine } from '../packages/engine/dist/index.js';
import { EngineApplier, ReplicationReplica, SystemClock, WsConnector } from '../packages/replication/dist/index.js';

const BUCKET_MS = 0.01;
const [mode, url, countText] = process.argv.slice(2);
const applied = new Float64Array(Number(countText));
let offsets = new Float64Array(1 << 20);
let latencies = new Float64Array(1 << 20);
let samples = 0;

function record(offset, latencyMs) {
  if (samples === offsets.length) {
    const grow = (array) => {
      const next = new Float64Array(array.length * 2);
      next.set(array);
      return next;
    };
    offsets = grow(offsets);
    latencies = grow(latencies);
  }
  offsets[samples] = offset;
  latencies[samples++] = latencyMs;
}

/** Sparse histogram: [bucket, count, bucket, count, …] where bucket = floor(ms / BUCKET_MS). */
function histogram(fromOffset) {
  const counts = new Map();
  for (let i = 0; i < samples; i++) {
    if (offsets[i] < fromOffset) continue;
    const bucket = Math.max(0, Math.floor(latencies[i] / BUCKET_MS));
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts].flat();
}

/** GC pauses of this process: [start epoch ms, duration ms, V8 kind (1 scavenge, 4 mark-compact, …)]. */
const gcPauses = [];
if (mode === 'replica') {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind ?? 0]);
    }
  }).observe({ entryTypes: ['gc'] });
}

const replicas = [];

function startReplica(i) {
  const recording = mode === 'replica';
  const replica = new ReplicationReplica({
    connector: new WsConnector({ url }),
    applier: new EngineApplier(new Engine({ role: 'replica' })),
    clock: new SystemClock(),
    random: Math.random,
    replicaId: `bench-${process.pid}-${i}`,
    region: `r${i}`,
    secret: 'bench-secret',
    ...(recording ? { onEntryApplied: (entry, appliedAtMs) => record(entry.offset, appliedAtMs - entry.timeMs) } : {}),
  });
  // What a node's replica role listens to: every event but the per-entry 'applied' ones.
  replica.on(() => undefined, { applied: false });
  replicas[i] = replica;
  replica.start();
}

function startRawClient(i) {
  const packr = new Packr();
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data) => {
    const entries = packr.unpack(data);
    applied[i] = entries[entries.length - 1].offset;
    socket.send(String(applied[i]));
  });
}

for (let i = 0; i < applied.length; i++) (mode === 'raw' ? startRawClient : startReplica)(i);

setInterval(() => {
  for (let i = 0; i < replicas.length; i++) applied[i] = replicas[i].appliedOffset;
  process.stdout.write(`${JSON.stringify({ appliedMax: Math.min(...applied) })}\n`);
}, 10);
createInterface({ input: process.stdin }).on('line', (line) => {
  const match = /^report (\d+) ([\d.]+)$/.exec(line);
  if (match) {
    const gc = gcPauses.filter(([startMs]) => startMs >= Number(match[2]));
    process.stdout.write(`${JSON.stringify({ histogram: histogram(Number(match[1])), gc })}\n`);
  }
});
process.on('SIGTERM', () => process.exit(0));
