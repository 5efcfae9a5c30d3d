import { type BatchOutcome, PrimaryExecutor } from '@meridian/core';
import { dumpKeyspace, Engine, loadSnapshotEntry, type SnapshotEntry, assert } from '@meridian/engine';
import { LuaScriptRunner } from '@meridian/script';
import type { SeededRandom } from '@meridian/lag';
import {
  type Connection,
  type Connector,
  decodeFrame,
  EngineApplier,
  type Frame,
  engineSnapshotSource,
  type MemoryNetwork,
  type ReplicaApplier,
  type ReplicaEvent,
  ReplicationPrimary,
  ReplicationReplica,
} from '@meridian/replication';
import { type LogEntry, MemoryWriteLog, replayLog } from '@meridian/store';
import type { TopologyConfig } from '@meridian/topology';
import type { SimLinks } from './links.js';
import { type NodeCosts, primaryCharges, replicaCharges } from './node-costs.js';
import { simMemoryLimit } from './memory-limit.js';
import type { SimScheduler } from './scheduler.js';

export const PRIMARY_ADDRESS = 'primary';
const SECRET = 'meridian-sim';
/** The primary's history (one primary per run): the replication id of every sync token. */
export const REPLICATION_ID = 'sim-history-1';

interface NodeDeps {
  scheduler: SimScheduler;
  /** Every replica's frame decoder (SharedFrameDecoder). */
  decodeFrame: (bytes: Uint8Array) => Frame;
  network: MemoryNetwork;
  links: SimLinks;
  random: SeededRandom;
  config: TopologyConfig;
  /** A PUBLISH this region's node executed or applied: hand it to the region's subscribers. */
  publish: (region: string, channel: string, message: string) => number;
  /** What each node's code costs (ZERO_NODE_COSTS: nothing, the pure network model). */
  costs: NodeCosts;
  /** The primary's snapshot cadence and log retention (PRIMARY_LOG_RETENTION: a real node's defaults). */
  logRetention: PrimaryLogRetention;
}

/** Live deliveries only: set after a restart's replay, which must not publish old messages again. */
function attachPublish(engine: Engine, region: string, deps: NodeDeps): void {
  engine.host = { publish: (channel, message) => deps.publish(region, channel, message) };
}

/**
 * Decodes each entries frame once for every replica: the primary sends the same bytes to each
 * replica at the same position (ReplicationPrimary shares them), so the frame decoded for the first
 * is handed to the next ones, as long as those bytes are alive (nothing keeps a decoded frame
 * beyond them) and among the last 4,096 to 8,192 frames decoded (an older one is decoded again). Entries are only read after decoding. Other frames, and frames that fail to decode,
 * are decoded each time.
 */
export class SharedFrameDecoder {
  private decoded = new WeakMap<Uint8Array, Frame>();
  private previous = new WeakMap<Uint8Array, Frame>();
  private added = 0;

  decode(bytes: Uint8Array): Frame {
    const known = this.decoded.get(bytes) ?? this.previous.get(bytes);
    if (known !== undefined) return known;
    const frame = decodeFrame(bytes);
    if (frame.t === 'entries') this.remember(bytes, frame);
    return frame;
  }

  /**
   * A WeakMap's table only grows (its dead keys are cleared by full GCs, its capacity stays), so the
   * frames go into a fresh one every SHARED_FRAMES_PER_MAP: the two newest cover frames in flight.
   */
  private remember(bytes: Uint8Array, frame: Frame): void {
    if (++this.added > SHARED_FRAMES_PER_MAP) {
      this.previous = this.decoded;
      this.decoded = new WeakMap();
      this.added = 1;
    }
    this.decoded.set(bytes, frame);
  }
}

const SHARED_FRAMES_PER_MAP = 4_096;

/**
 * A real node's defaults (`meridian node`): a snapshot after this many new entries, and this many
 * entries kept behind the newest one. A replica further behind than the log reaches gets a full
 * resync, as it would from a real primary; a run's memory is bounded by these, not by its length.
 */
export interface PrimaryLogRetention {
  entriesBeforeSnapshot: number;
  entriesRetained: number;
}
export const PRIMARY_LOG_RETENTION: PrimaryLogRetention = { entriesBeforeSnapshot: 10_000, entriesRetained: 100_000 };

/** Whether two entries at one offset hold the same time and effects. */
function sameEntry(a: LogEntry, b: LogEntry): boolean {
  if (a.timeMs !== b.timeMs || a.effects.length !== b.effects.length) return false;
  for (let i = 0; i < a.effects.length; i++) {
    const x = a.effects[i] as readonly string[];
    const y = b.effects[i] as readonly string[];
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

/** The primary region's node: engine, durable write log and snapshot (kept across crashes), replication primary. */
export class SimPrimaryNode {
  readonly log = new MemoryWriteLog();
  /** The newest snapshot on disk: a restart loads it, then replays the log after it. */
  private snapshot: { entries: readonly SnapshotEntry[]; offset: number } = { entries: [], offset: 0 };
  engine: Engine;
  up = false;
  private replication: ReplicationPrimary | undefined;
  private executor: PrimaryExecutor | undefined;
  private incarnation = 0;

  constructor(
    readonly name: string,
    private readonly deps: NodeDeps,
  ) {
    this.engine = this.newEngine();
  }

  /** Starts (or restarts) the node: replays the durable log into a fresh engine, listens for replicas. */
  start(): void {
    const { scheduler, network, links, config } = this.deps;
    if (this.incarnation > 0) {
      this.engine = this.newEngine();
      for (const entry of this.snapshot.entries) loadSnapshotEntry(this.engine.db, entry);
      replayLog(this.engine, this.log, this.snapshot.offset);
    }
    attachPublish(this.engine, this.name, this.deps);
    this.incarnation++;
    const clock = scheduler.clock;
    // The node's own primary (core's): the simulator runs its write path, not a copy.
    this.executor = new PrimaryExecutor({
      engine: this.engine,
      log: this.log,
      clock,
      replicationId: REPLICATION_ID,
      onAppend: () => {
        this.replication?.onAppend();
        this.retain();
      },
    });
    // The node's own costs (node-costs.ts): its sends wait for its thread, received acks too.
    const charges = primaryCharges(this.deps.costs, config.durability, clock, () => this.log.lastOffset());
    const listener = network.listen(PRIMARY_ADDRESS);
    this.replication = new ReplicationPrimary({
      listener: charges === undefined ? listener : charges.listener(listener),
      log: this.log,
      clock,
      snapshots: engineSnapshotSource(this.engine, this.log, clock),
      secret: SECRET,
      replicationId: REPLICATION_ID,
      heartbeatMs: config.replication.heartbeatMs,
      backlogBytesMax: config.replication.backlogBytesMax,
      linkFor: ({ region }) => {
        const link = links.replication(this.name, region);
        link.costs = charges?.links;
        return link;
      },
    });
    this.up = true;
  }

  /**
   * Snapshots and truncates as a real node does: the engine holds exactly the log's entries after
   * each append, so a snapshot taken here is at `lastOffset()`.
   */
  private retain(): void {
    const last = this.log.lastOffset();
    const { entriesBeforeSnapshot, entriesRetained } = this.deps.logRetention;
    if (last - this.snapshot.offset < entriesBeforeSnapshot) return;
    this.snapshot = { entries: [...dumpKeyspace(this.engine.db)], offset: last };
    const keepFrom = Math.min(this.snapshot.offset + 1, last - entriesRetained + 1);
    if (keepFrom > this.log.firstOffset()) this.log.truncateBefore(keepFrom);
  }

  /** Stops at once: replicas are cut off, the engine's memory is gone, the log and snapshot stay. */
  crash(): void {
    this.up = false;
    void this.replication?.close();
    this.replication = undefined;
  }

  /** Engine time: whole ms, as the real primary stamps its log. */
  engineTimeMs(): number {
    return Math.floor(this.deps.scheduler.nowMs());
  }

  /**
   * Runs a client command through the primary's executor; returns the offset of its log entry
   * (0 when it changed nothing). The in-memory log is durable on append, so the answer is not
   * waited for here; the traffic model charges `diskSyncMs` for it.
   */
  write(argv: readonly string[]): { offset: number } {
    const before = this.log.lastOffset();
    void this.run(argv);
    const after = this.log.lastOffset();
    return { offset: after > before ? after : 0 };
  }

  read(argv: readonly string[]): unknown {
    const outcome = this.run(argv);
    return outcome instanceof Promise || !Array.isArray(outcome.replies) ? undefined : outcome.replies[0];
  }

  private run(argv: readonly string[]): BatchOutcome | Promise<BatchOutcome> {
    if (this.executor === undefined) assert(false, `the primary ${this.name} was never started`);
    const outcome = this.executor.run({ kind: 'command', argv });
    if (outcome instanceof Promise) outcome.catch(() => undefined);
    return outcome;
  }

  private newEngine(): Engine {
    const random = this.deps.random.fork(`engine:${this.name}:${this.incarnation}`);
    const memoryLimit = simMemoryLimit(this.deps.config, this.name);
    return new Engine({
      role: 'primary',
      random: random.asFunction(),
      memoryLimit,
      scriptRunner: new LuaScriptRunner(),
    });
  }
}

/**
 * Entries a replica keeps on its disk before it snapshots its keyspace and drops them, as a real node's
 * snapshots and retention do: a long run's memory is bounded by this, not by the run's length.
 */
export const REPLICA_ENTRIES_BEFORE_SNAPSHOT = 20_000;

/** What a replica has on disk: the snapshot it last took or loaded and the entries applied since. */
class ReplicaDisk {
  snapshot: { entries: readonly SnapshotEntry[]; offset: number; replicationId: string } = {
    entries: [],
    offset: 0,
    replicationId: '',
  };
  entries: LogEntry[] = [];
}

/** Applies to the engine and records what a real replica persists; does nothing once its node died. */
class DurableApplier implements ReplicaApplier {
  dead = false;

  constructor(
    private readonly inner: EngineApplier,
    private readonly disk: ReplicaDisk,
    private readonly engine: Engine,
    /** The primary's log: a run has one history, so its entry at an offset is the one applied there. */
    private readonly primaryLog: MemoryWriteLog,
  ) {}

  appliedOffset(): number {
    return this.inner.appliedOffset();
  }

  replicationId(): string {
    return this.inner.replicationId();
  }

  apply(entry: LogEntry): void {
    if (this.dead) return;
    this.inner.apply(entry);
    // The disk holds the entry's contents: the primary's copy of it while its log keeps it and it
    // is the same (time and every effect: a replica handed something else, a test's corrupted
    // entry, keeps what it applied), so the copy decoded for the replicas dies young. Keeping that
    // one until the next snapshot (20,000 entries) moved every write of a run into the old
    // generation a second time.
    const primaryCopy = this.primaryLog.entryAt(entry.offset);
    this.disk.entries.push(primaryCopy !== undefined && sameEntry(primaryCopy, entry) ? primaryCopy : entry);
    if (this.disk.entries.length >= REPLICA_ENTRIES_BEFORE_SNAPSHOT) {
      const entries = [...dumpKeyspace(this.engine.db)];
      this.disk.snapshot = { entries, offset: entry.offset, replicationId: this.inner.replicationId() };
      this.disk.entries = [];
    }
  }

  loadSnapshot(entries: readonly SnapshotEntry[], offset: number, replicationId: string): void {
    if (this.dead) return;
    this.inner.loadSnapshot(entries, offset, replicationId);
    this.disk.snapshot = { entries, offset, replicationId };
    this.disk.entries = [];
  }
}

export interface ReplicaHooks {
  /** Every event but 'applied' (those come to `onApplied`, without an object per entry). */
  onEvent(node: SimReplicaNode, event: ReplicaEvent): void;
  onApplied(node: SimReplicaNode, offset: number, receivedAtMs: number, appliedAtMs: number): void;
  wrapApplier?: (region: string, applier: ReplicaApplier) => ReplicaApplier;
}

/** A replica region's node: engine, durable state, replication replica. Crashes lose what was not applied. */
export class SimReplicaNode {
  engine: Engine = new Engine({ role: 'replica', scriptRunner: new LuaScriptRunner() });
  replica: ReplicationReplica | undefined;
  up = false;
  /** Bumped at each start, so events of a dead incarnation are ignored. */
  incarnation = 0;
  private readonly disk = new ReplicaDisk();
  private applier: DurableApplier | undefined;

  constructor(
    readonly name: string,
    private readonly primaryName: string,
    private readonly deps: NodeDeps,
    private readonly hooks: ReplicaHooks,
    /** The primary's log (the disk keeps its copies of the entries applied: DurableApplier). */
    private readonly primaryLog: MemoryWriteLog,
  ) {}

  get appliedOffset(): number {
    return this.replica?.appliedOffset ?? 0;
  }

  /** The history of the local data ('' before the first sync), as the core's read decision needs it. */
  get replicationId(): string {
    return this.applier?.replicationId() ?? '';
  }

  start(): void {
    const { scheduler, network, links } = this.deps;
    const incarnation = ++this.incarnation;
    this.engine = new Engine({ role: 'replica', scriptRunner: new LuaScriptRunner() });
    const snapshot = this.disk.snapshot;
    for (const entry of snapshot.entries) loadSnapshotEntry(this.engine.db, entry);
    for (const entry of this.disk.entries) this.engine.applyEffects(entry.effects, entry.timeMs);
    attachPublish(this.engine, this.name, this.deps);
    const last = this.disk.entries[this.disk.entries.length - 1]?.offset ?? snapshot.offset;
    const inner = new EngineApplier(this.engine, { appliedOffset: last, replicationId: snapshot.replicationId });
    this.applier = new DurableApplier(inner, this.disk, this.engine, this.primaryLog);
    const applier = this.hooks.wrapApplier?.(this.name, this.applier) ?? this.applier;
    const raw = network.connector(PRIMARY_ADDRESS);
    const charged = replicaCharges(this.deps.costs, this.deps.config.durability, scheduler.clock);
    const connector: Connector = {
      connect: (): Promise<Connection> => {
        scheduler.microtasksDue();
        return charged === undefined ? raw.connect() : raw.connect().then(charged);
      },
    };
    this.replica = new ReplicationReplica({
      connector,
      applier,
      clock: scheduler.clock,
      replicaId: this.name,
      region: this.name,
      secret: SECRET,
      random: this.deps.random.fork(`backoff:${this.name}:${incarnation}`).asFunction(),
      link: links.link('replication', this.name, this.primaryName),
      decodeFrame: this.deps.decodeFrame,
      onEntryApplied: (entry, appliedAtMs, receivedAtMs) => {
        if (incarnation === this.incarnation && this.up)
          this.hooks.onApplied(this, entry.offset, receivedAtMs, appliedAtMs);
      },
    });
    this.replica.on(
      (event) => {
        if (incarnation === this.incarnation && this.up) this.hooks.onEvent(this, event);
      },
      { applied: false },
    );
    this.up = true;
    this.replica.start();
  }

  /** Dies at once: received but unapplied entries are lost, waiting reads give up. */
  crash(): void {
    this.up = false;
    if (this.applier !== undefined) this.applier.dead = true;
    this.replica?.stop();
    this.deps.scheduler.microtasksDue();
  }
}
