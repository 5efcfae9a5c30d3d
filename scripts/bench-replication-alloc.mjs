// Heap bytes allocated per replicated entry on a replica: a primary Engine executes SETs (the
// replication bench's workload: 10,000 keys, 32-byte values), their effects are encoded as entries
// frames (encodeFrame), and a ReplicationReplica + EngineApplier on a real Engine receives,
// decodes and applies them, with a listener like the node's replica role (no per-entry 'applied'
// events). The young-generation scavenges of the replicas' process, which make the replication
// latency tail, come as often as this allocates. No timing: the figure does not move with other
// jobs on the machine. The connection is a ConnectionBase that hands over the frames (no socket:
// ws's own allocations are left out) and the clock runs the apply turn at once.
// Run: `npx tsc -b && node --expose-gc --max-semi-space-size=256 --min-semi-space-size=256
// scripts/bench-replication-alloc.mjs [entriesPerFrame ...]` (default 1 10). The young generation
// is made big enough that no GC falls inside a measured window (checked), so the growth of the
// used heap is what was allocated.
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { Engine } from '../packages/engine/dist/index.js';
import { EngineApplier, ReplicationReplica, encodeFrame } from '../packages/replication/dist/index.js';
import { HandOverConnection, TurnClock } from './replica-hand-over.mjs';

const VALUE = 'value-of-32-bytes-xxxxxxxxxxxxxx';
const FRAMES = 2000;
const ROUNDS = 5;

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc (see the header)');

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

async function bytesPerEntry(entriesPerFrame) {
  const clock = new TurnClock();
  const connection = new HandOverConnection();
  const replica = new ReplicationReplica({
    connector: { connect: async () => connection },
    applier: new EngineApplier(new Engine({ role: 'replica' }), { appliedOffset: 0, replicationId: 'bench' }),
    clock,
    random: Math.random,
    replicaId: 'alloc',
    region: 'r0',
    secret: 'bench-secret',
  });
  replica.on(
    (event) => {
      if (event.kind === 'error') throw new Error(`replica: ${event.message}`);
    },
    { applied: false },
  );
  replica.start();
  await settle();
  connection.deliver(
    encodeFrame({
      t: 'welcome',
      mode: 'partial',
      replicationId: 'bench',
      offset: 0,
      primaryOffset: 0,
      primaryTimeMs: 0,
      heartbeatMs: 100,
    }),
  );
  const primary = new Engine({ role: 'primary' });
  let offset = 0;
  const frames = (count) => {
    const out = [];
    for (let f = 0; f < count; f++) {
      const entries = [];
      for (let e = 0; e < entriesPerFrame; e++) {
        const timeMs = clock.nowMs();
        const { effects } = primary.execute(['SET', `key:${offset % 10000}`, VALUE], timeMs);
        entries.push({ offset: ++offset, timeMs, effects });
      }
      out.push(encodeFrame({ t: 'entries', entries }));
    }
    return out;
  };
  const apply = (list) => {
    for (const bytes of list) {
      connection.deliver(bytes);
      clock.runTimers();
    }
  };
  for (let i = 0; i < 20; i++) apply(frames(20_000 / entriesPerFrame)); // JIT, and every key stored
  const perEntry = [];
  for (let round = 0; round < ROUNDS; round++) {
    const list = frames(FRAMES);
    globalThis.gc();
    await settle();
    const gcsBefore = gcs;
    const before = v8.getHeapStatistics().used_heap_size;
    apply(list);
    const after = v8.getHeapStatistics().used_heap_size;
    await settle();
    if (gcs !== gcsBefore) throw new Error('a GC fell inside the window: raise --max-semi-space-size');
    perEntry.push(Math.round((after - before) / (FRAMES * entriesPerFrame)));
  }
  if (replica.appliedOffset !== offset) throw new Error(`applied ${replica.appliedOffset} of ${offset}`);
  replica.stop();
  return perEntry.sort((a, b) => a - b)[ROUNDS >> 1];
}

const sizes = process.argv.slice(2).map(Number);
for (const entriesPerFrame of sizes.length > 0 ? sizes : [1, 10]) {
  console.log(
    `${entriesPerFrame} entries per frame: ${await bytesPerEntry(entriesPerFrame)} bytes allocated per replicated entry (median of ${ROUNDS})`,
  );
}
process.exit(0);
