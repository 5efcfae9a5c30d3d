import { type CommandBatch, PrimaryExecutor, ReplicaExecutor, type RunContext } from '@meridian/core';
import { Engine } from '@meridian/engine';
import { SeededRandom, VirtualClock } from '@meridian/lag';
import {
  EngineApplier,
  engineSnapshotSource,
  MemoryNetwork,
  ReplicationPrimary,
  ReplicationReplica,
} from '@meridian/replication';
import { MemoryWriteLog } from '@meridian/store';
import { SharedFrameDecoder } from './model/nodes.js';

/**
 * What the simulator's speed rows are compared with: the nodes' own code for the same workload with
 * nothing modelled around it. A primary and `replicas` replicas (the real PrimaryExecutor,
 * ReplicationPrimary, ReplicationReplica, EngineApplier and ReplicaExecutor, the simulator's shared
 * frame decoder) on a virtual clock over an in-memory network without delay: each SET is executed,
 * framed, sent, decoded, applied by every replica and acknowledged before the next command, and
 * each GET is an eventual read served by a replica (keys drawn uniformly from the default workload's
 * 1,000, values of its 16–256 bytes). No clients, links, costs, consistency levels,
 * staleness checks or measurements: a simulator that runs this code for this workload cannot be
 * faster than this, so the simulator's time over it is what its model costs.
 */
export interface NodeCodeFloorOptions {
  writesPerSecond: number;
  readsPerSecond: number;
  /** Simulated ms of workload (a step per ms). */
  durationMs: number;
  /** Replicas besides the primary (default 4: the five-region default topology). */
  replicas?: number;
  keyCount?: number;
  seed?: number;
}

export interface NodeCodeFloorResult {
  workloadSeconds: number;
  /** Wall-clock seconds of the workload (building the nodes and their first sync not counted). */
  wallSeconds: number;
  workloadSecondsPerWallSecond: number;
  writes: number;
  reads: number;
  /** Reads answered with a value (the rest found no key yet). */
  readsWithValue: number;
  /** The primary's last offset, and each replica's applied offset when the run ended. */
  primaryOffset: number;
  replicaOffsets: number[];
  /** Keys whose value differs between the primary and some replica at the end (0 when replication kept up). */
  keysDiffering: number;
}

const SECRET = 'meridian-floor';
const REPLICATION_ID = 'floor-history';

export async function benchNodeCodeFloor(options: NodeCodeFloorOptions): Promise<NodeCodeFloorResult> {
  const replicaCount = options.replicas ?? 4;
  const keyCount = options.keyCount ?? 1_000;
  const random = new SeededRandom(options.seed ?? 1);
  const clock = new VirtualClock(0);
  const network = new MemoryNetwork(clock);
  const primaryEngine = new Engine({ role: 'primary' });
  const log = new MemoryWriteLog();
  const replication = new ReplicationPrimary({
    listener: network.listen('primary'),
    log,
    clock,
    snapshots: engineSnapshotSource(primaryEngine, log, clock),
    secret: SECRET,
    replicationId: REPLICATION_ID,
  });
  const primary = new PrimaryExecutor({
    engine: primaryEngine,
    log,
    clock,
    replicationId: REPLICATION_ID,
    onAppend: () => replication.onAppend(),
  });
  const decoder = new SharedFrameDecoder();
  const replicas = Array.from({ length: replicaCount }, (_, i) => {
    const engine = new Engine({ role: 'replica' });
    const applier = new EngineApplier(engine);
    const replica = new ReplicationReplica({
      connector: network.connector('primary'),
      applier,
      clock,
      replicaId: `replica-${i}`,
      region: `region-${i}`,
      secret: SECRET,
      random: random.fork(`backoff:${i}`).asFunction(),
      decodeFrame: (bytes) => decoder.decode(bytes),
    });
    const executor = new ReplicaExecutor({
      engine,
      clock,
      position: replica,
      replicationId: () => applier.replicationId(),
      stalenessMs: () => 0,
      forwarder: { forward: () => Promise.resolve({ status: 200, headers: {}, body: '' }) },
      syncWaitMsMax: 1_000,
    });
    replica.start();
    return { engine, replica, executor };
  });

  const keys = Array.from({ length: keyCount }, (_, i) => `key:${i}`);
  const reads: CommandBatch[] = keys.map((key) => ({ kind: 'command', argv: ['GET', key] }));
  const context: RunContext = {
    syncToken: undefined,
    consistency: { level: 'eventual' },
    request: { method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) },
  };
  const run = (batch: CommandBatch): void => {
    const outcome = primary.run(batch);
    if (outcome instanceof Promise) void outcome.catch(() => undefined);
  };
  // The replicas connect (promises) and take a first write before the clock starts.
  run({ kind: 'command', argv: ['SET', 'floor:ready', '1'] });
  for (let round = 0; round < 1_000 && replicas.some((r) => r.replica.appliedOffset < 1); round++) {
    clock.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
  }

  // The workload's commands, drawn before it runs (a model's cost, not the nodes').
  const steps = Math.round(options.durationMs);
  const perMsWrites = options.writesPerSecond / 1000;
  const perMsReads = options.readsPerSecond / 1000;
  const writes: CommandBatch[] = [];
  const readOrder: number[] = [];
  let writeCredit = 0;
  let readCredit = 0;
  const stepWrites: number[] = [];
  const stepReads: number[] = [];
  for (let step = 0; step < steps; step++) {
    writeCredit += perMsWrites;
    readCredit += perMsReads;
    const w = Math.floor(writeCredit);
    const r = Math.floor(readCredit);
    writeCredit -= w;
    readCredit -= r;
    stepWrites.push(w);
    stepReads.push(r);
    for (let i = 0; i < w; i++) {
      const value = 'v'.repeat(16 + Math.floor(random.next() * 241));
      writes.push({ kind: 'command', argv: ['SET', keys[Math.floor(random.next() * keyCount)] as string, value] });
    }
    for (let i = 0; i < r; i++) readOrder.push(Math.floor(random.next() * keyCount));
  }

  let writeAt = 0;
  let readAt = 0;
  let readsWithValue = 0;
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    const w = stepWrites[step] as number;
    const r = stepReads[step] as number;
    // Writes spread among the step's reads; each is delivered to every replica before what follows.
    let readsDone = 0;
    for (let i = 0; i < w; i++) {
      run(writes[writeAt++] as CommandBatch);
      clock.runUntil(clock.nowMs());
      const until = Math.floor(((i + 1) * r) / w);
      for (; readsDone < until; readsDone++) readsWithValue += readOnce(readOrder[readAt++] as number);
    }
    for (; readsDone < r; readsDone++) readsWithValue += readOnce(readOrder[readAt++] as number);
    clock.advance(1);
  }
  const wallSeconds = (performance.now() - started) / 1000;

  function readOnce(key: number): number {
    const { executor } = replicas[key % replicaCount] as (typeof replicas)[number];
    const result = executor.run(reads[key] as CommandBatch, context);
    if (result instanceof Promise || 'forwarded' in result || !Array.isArray(result.replies)) return 0;
    return result.replies[0] === null ? 0 : 1;
  }

  clock.advance(100);
  let keysDiffering = 0;
  for (const key of keys) {
    const expected = JSON.stringify(primaryEngine.executeForReply(['GET', key], clock.nowMs()));
    if (replicas.some((r) => JSON.stringify(r.engine.executeForReply(['GET', key], clock.nowMs())) !== expected)) {
      keysDiffering++;
    }
  }
  for (const { replica } of replicas) replica.stop();
  await replication.close();
  const workloadSeconds = steps / 1000;
  return {
    workloadSeconds,
    wallSeconds,
    workloadSecondsPerWallSecond: workloadSeconds / wallSeconds,
    writes: writes.length,
    reads: readOrder.length,
    readsWithValue,
    primaryOffset: log.lastOffset(),
    replicaOffsets: replicas.map((r) => r.replica.appliedOffset),
    keysDiffering,
  };
}
