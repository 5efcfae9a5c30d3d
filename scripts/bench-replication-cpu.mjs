// CPU time per entry a replica applies, without sockets: 4 ReplicationReplica + EngineApplier on
// real Engines (the replication bench's replicas) are handed the entries frames a primary Engine's
// SETs encode to (10,000 keys, 32-byte values), each frame to every replica, and each replica's
// apply turn runs after each frame. What the throughput run's replica process spends per entry,
// less ws and the kernel: frame check (checksum, layout), reading entries in place, the engine's
// apply, GC. Process CPU time (process.cpuUsage) of the delivery loop only (frames are encoded
// beforehand), median of ROUNDS rounds; other jobs on the machine move it less than wall-clock
// figures but do move it (shared caches): alternate builds and run under
// `flock /tmp/meridian-bench.lock`. valgrind --tool=callgrind on it gives instruction counts.
// Run: `npx tsc -b && node scripts/bench-replication-cpu.mjs [entriesPerFrame ...]` (default 1000 10).
import { Engine } from '../packages/engine/dist/index.js';
import { EngineApplier, ReplicationReplica, encodeFrame } from '../packages/replication/dist/index.js';
import { HandOverConnection, TurnClock } from './replica-hand-over.mjs';

const REPLICAS = 4;
const VALUE = 'value-of-32-bytes-xxxxxxxxxxxxxx';
const ENTRIES_PER_ROUND = Number(process.env.BENCH_ENTRIES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

async function startReplica(index) {
  const clock = new TurnClock();
  const connection = new HandOverConnection();
  const replica = new ReplicationReplica({
    connector: { connect: async () => connection },
    applier: new EngineApplier(new Engine({ role: 'replica' }), { appliedOffset: 0, replicationId: 'bench' }),
    clock,
    random: Math.random,
    replicaId: `cpu-${index}`,
    region: `r${index}`,
    secret: 'bench-secret',
  });
  replica.on(
    (event) => {
      if (event.kind === 'error') throw new Error(`replica: ${event.message}`);
    },
    { applied: false },
  );
  replica.start();
  await new Promise((resolve) => setTimeout(resolve, 5));
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
  return { replica, clock, connection };
}

async function nsPerEntry(entriesPerFrame) {
  const replicas = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startReplica(i));
  const primary = new Engine({ role: 'primary' });
  let offset = 0;
  const frames = (entries) => {
    const out = [];
    for (let f = 0; f < entries / entriesPerFrame; f++) {
      const batch = [];
      for (let e = 0; e < entriesPerFrame; e++) {
        const timeMs = 1e12 + offset;
        const { effects } = primary.execute(['SET', `key:${offset % 10000}`, VALUE], timeMs);
        batch.push({ offset: ++offset, timeMs, effects });
      }
      out.push(Buffer.from(encodeFrame({ t: 'entries', entries: batch })));
    }
    return out;
  };
  const deliver = (list) => {
    for (const bytes of list) {
      for (const { connection, clock } of replicas) {
        connection.deliver(bytes);
        clock.runTimers();
      }
    }
  };
  for (let i = 0; i < 10; i++) deliver(frames(20_000)); // JIT, and every key stored
  const perEntry = [];
  for (let round = 0; round < ROUNDS; round++) {
    const list = frames(ENTRIES_PER_ROUND);
    const before = process.cpuUsage();
    deliver(list);
    const used = process.cpuUsage(before);
    perEntry.push(((used.user + used.system) * 1000) / (ENTRIES_PER_ROUND * REPLICAS));
  }
  for (const { replica } of replicas) {
    if (replica.appliedOffset !== offset) throw new Error(`replica applied ${replica.appliedOffset} of ${offset}`);
    replica.stop();
  }
  const sorted = [...perEntry].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  console.log(
    `frames of ${entriesPerFrame}: ${Math.round(median)} ns CPU per entry applied, ${REPLICAS} replicas ` +
      `(median of ${ROUNDS}: ${perEntry.map((ns) => Math.round(ns)).join(', ')})`,
  );
}

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1000, 10];
for (const entriesPerFrame of sizes) await nsPerEntry(entriesPerFrame);
process.exit(0);
