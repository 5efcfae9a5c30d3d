// Child process of bench-replication.mjs. `replica <url> <n>`: n replicas (ReplicationReplica +
// EngineApplier over WsConnector). `replica-rate <url> <n>`: the same replicas for the throughput
// run, which reports no latencies and so records none (millions of samples in arrays that double
// and copy would cost the replica process memory and GC that a real node does not pay). Like a
// node's, the replicas' listeners take no per-entry 'applied' events (an object per entry), and
// the latency run's per-entry latencies come from the `onEntryApplied` hook, which builds nothing
// per entry. `raw <url> <n>`: n reference clients, decoding msgpackr frames of entries and acking
// each. The parent learns what was applied from the acks, as a primary does: this process prints
// nothing on its own (no timer wakes it). A replica keeps commit→applied latencies in memory and, on
// a `report <fromOffset> <sinceMs>` line on stdin, prints a sparse histogram (10 µs buckets) of those from
// that offset on. (Streaming every sample would measure the pipe: stdout writes to a pipe block on
// Linux.) The report also lists this process's GC pauses since the `report` line's second field
// (epoch ms): scavenges of the replicas' young generation are what the latency tail is made of.
// A `cpu` line is answered with this process's CPU time so far (`{"cpuUs": n}`, every thread).
import { createInterface } from 'node:readline';
import { PerformanceObserver } from 'node:perf_hooks';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { Engine } from '../packages/engine/dist/index.js';
import { EngineApplier, ReplicationReplica, SystemClock, WsConnector } from '../packages/replication/dist/index.js';

const BUCKET_MS = 0.01;
const [mode, url, countText] = process.argv.slice(2);
const count = Number(countText);
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
  replica.start();
}

function startRawClient() {
  const packr = new Packr();
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data) => {
    const entries = packr.unpack(data);
    socket.send(String(entries[entries.length - 1].offset));
  });
}

for (let i = 0; i < count; i++) (mode === 'raw' ? startRawClient : startReplica)(i);

createInterface({ input: process.stdin }).on('line', (line) => {
  const match = /^report (\d+) ([\d.]+)$/.exec(line);
  if (match) {
    const gc = gcPauses.filter(([startMs]) => startMs >= Number(match[2]));
    process.stdout.write(`${JSON.stringify({ histogram: histogram(Number(match[1])), gc })}\n`);
  } else if (line === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuUs: user + system })}\n`);
  }
});
process.on('SIGTERM', () => process.exit(0));
