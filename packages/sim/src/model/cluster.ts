import { assert, type Keyspace, KeyspaceDigest, StringKeyDigests } from '@meridian/engine';
import { fixed, type LinkModel, type LinkSettings, parseLinkSettings, type SeededRandom } from '@meridian/lag';
import { MemoryNetwork, type ReplicaApplier, type ReplicaEvent } from '@meridian/replication';
import type { TopologyConfig } from '@meridian/topology';
import type { FaultSpec } from '../faults.js';
import type { InvariantChecker } from './invariants.js';
import { SimLinks } from './links.js';
import {
  PRIMARY_LOG_RETENTION,
  type PrimaryLogRetention,
  SharedFrameDecoder,
  SimPrimaryNode,
  SimReplicaNode,
} from './nodes.js';
import { linkDelayed, loneEntryCostMs, type NodeCosts, replicaQueueMs, shiftedDistribution } from './node-costs.js';
import type { Recorder } from './recorder.js';
import type { SimScheduler } from './scheduler.js';
import { writeIdOf } from './workload.js';

interface DigestSample {
  offset: number;
  digest: string;
  pending: Set<string>;
}

export interface ClusterOptions {
  config: TopologyConfig;
  clientLocalDelayMs: number;
  wrapApplier: ((region: string, applier: ReplicaApplier) => ReplicaApplier) | undefined;
  /** What each node's code costs, in virtual time (ZERO_NODE_COSTS: none). */
  costs: NodeCosts;
  /** The primary's snapshots and log retention (default PRIMARY_LOG_RETENTION, a real node's). */
  logRetention: PrimaryLogRetention | undefined;
}

/**
 * What the model knows of one region now, resolved once: reads ask it for every region on every
 * request, and a handle saves the lookups by name (the nodes are kept across crashes and restarts).
 */
export interface RegionStatus {
  /** The node is running. */
  up(): boolean;
  /** The node's own view of its staleness (0 for the primary, Infinity when down). */
  stalenessMs(): number;
  /** The sync token the node hands out: the offset it has reached. */
  position(): number;
}

/** A region the topology does not have: never up. */
const UNKNOWN_REGION: RegionStatus = { up: () => false, stalenessMs: () => Infinity, position: () => 0 };

/** The simulated regions: one primary, one replica per other region, the links between them. */
export class SimCluster {
  readonly links: SimLinks;
  readonly primary: SimPrimaryNode;
  readonly replicas = new Map<string, SimReplicaNode>();
  readonly regionNames: string[];
  /** Tokens that reads wait for in each replica (their continuations need a microtask turn). */
  readonly syncWaits = new Map<string, number[]>();
  private sample: DigestSample | undefined;
  private readonly recordedUpTo = new Map<string, number>();
  private lastAppended = 0;
  /** Per region: offset of the last message its node delivered, and when its subscriber stream is free. */
  private readonly lastDeliveredOffset = new Map<string, number>();
  private readonly subscriberFreeMs = new Map<string, number>();
  /** Messages the primary committed, and how many each region's node handed to its subscriber. */
  readonly config: TopologyConfig;
  private messagesCommitted = 0;
  private readonly nodeDeliveries = new Map<string, number>();
  /** Regions that loaded a snapshot after messages were published (those messages never reach them). */
  private readonly resyncedAfterMessages = new Set<string>();
  private readonly digests = new WeakMap<Keyspace, KeyspaceDigest>();
  /** Every node's digest takes the same writes: a key's words hashed at one node serve the others. */
  private readonly stringDigests = new StringKeyDigests();
  private readonly statuses = new Map<string, RegionStatus>();

  constructor(
    private readonly options: ClusterOptions,
    private readonly scheduler: SimScheduler,
    random: SeededRandom,
    private readonly recorder: Recorder,
    private readonly invariants: InvariantChecker,
  ) {
    const { config } = options;
    this.config = config;
    this.links = new SimLinks(config, random.fork('links'), options.clientLocalDelayMs);
    this.links.createAll();
    this.regionNames = config.regions.map((region) => region.name);
    const decoder = new SharedFrameDecoder();
    const deps = {
      scheduler,
      decodeFrame: (bytes: Uint8Array) => decoder.decode(bytes),
      network: new MemoryNetwork(scheduler.clock),
      links: this.links,
      random,
      config,
      publish: (region: string, _channel: string, message: string) => this.deliver(region, message),
      costs: options.costs,
      logRetention: options.logRetention ?? PRIMARY_LOG_RETENTION,
    };
    this.primary = new SimPrimaryNode(config.primary, deps);
    const hooks = {
      onEvent: (node: SimReplicaNode, event: ReplicaEvent) => this.onReplicaEvent(node, event),
      onApplied: (node: SimReplicaNode, offset: number, receivedAtMs: number, appliedAtMs: number) =>
        this.onApplied(node, offset, receivedAtMs, appliedAtMs),
      ...(options.wrapApplier === undefined ? {} : { wrapApplier: options.wrapApplier }),
    };
    for (const name of this.regionNames) {
      if (name !== config.primary)
        this.replicas.set(name, new SimReplicaNode(name, config.primary, deps, hooks, this.primary.log));
    }
  }

  get primaryName(): string {
    return this.primary.name;
  }

  start(): void {
    this.primary.start();
    for (const node of this.replicas.values()) this.startReplica(node);
  }

  isUp(region: string): boolean {
    return this.status(region).up();
  }

  /** A replica's own view of its staleness (0 for the primary, Infinity when down). */
  stalenessMs(region: string): number {
    return this.status(region).stalenessMs();
  }

  /** The sync token a node hands out: the offset it has reached. */
  position(region: string): number {
    return this.status(region).position();
  }

  /** `region`'s node (the primary or its replica): undefined for a region not in the topology. */
  nodeOf(region: string): SimPrimaryNode | SimReplicaNode | undefined {
    return region === this.primary.name ? this.primary : this.replicas.get(region);
  }

  /** The smallest offset a node has applied (a replica that is down counts as 0): every node holds at least that much of the log. */
  appliedOffsetMin(): number {
    let min = this.primary.log.lastOffset();
    for (const replica of this.replicas.values()) min = Math.min(min, replica.appliedOffset);
    return min;
  }

  /** `region`'s status handle (the same one every time). */
  status(region: string): RegionStatus {
    let status = this.statuses.get(region);
    if (status === undefined) this.statuses.set(region, (status = this.statusOf(region)));
    return status;
  }

  private statusOf(region: string): RegionStatus {
    const primary = this.primary;
    if (region === primary.name) {
      return {
        up: () => primary.up,
        stalenessMs: () => (primary.up ? 0 : Infinity),
        position: () => primary.log.lastOffset(),
      };
    }
    const node = this.replicas.get(region);
    if (node === undefined) return UNKNOWN_REGION;
    const scheduler = this.scheduler;
    return {
      up: () => node.up,
      stalenessMs: () =>
        node.up && node.replica !== undefined ? node.replica.stalenessMs(scheduler.nowMs()) : Infinity,
      position: () => node.appliedOffset,
    };
  }

  /**
   * The primary → `region` link as the predicted t-visibility sees it: its settings, with every
   * modelled in-node cost of a lone entry added to each message's delay (the jitter shifted).
   */
  predictionSettings(region: string): Partial<LinkSettings> {
    const settings = this.links.settingsFor(this.primary.name, region);
    const jitter = settings.jitter ?? fixed(0);
    const delayed = this.linkDelayedTo(region);
    // A delayed link's frame is only queued in the turn: the sends it waits for are the undelayed links' before it.
    const replicas = [...this.replicas.keys()];
    const before = replicas.slice(0, Math.max(0, replicas.indexOf(region)));
    const sendsBefore = delayed ? 0 : before.filter((other) => !this.linkDelayedTo(other)).length;
    const costMs = loneEntryCostMs(this.options.costs, this.config.durability, sendsBefore, delayed);
    return { ...settings, jitter: shiftedDistribution(jitter, costMs) };
  }

  /** Whether the primary → `region` link delays its frames (a delay or a jitter configured). */
  private linkDelayedTo(region: string): boolean {
    const settings = this.links.settingsFor(this.primary.name, region);
    return linkDelayed({ baseDelayMs: settings.baseDelayMs ?? 0, jitter: settings.jitter ?? fixed(0) });
  }

  /** How the replica's thread queues frames that arrive together, for the prediction. */
  predictionQueue(): { headMs: number; frameMs: number } {
    return replicaQueueMs(this.options.costs, this.config.durability);
  }

  /** Executes a client write at the primary, recording its commit. */
  write(argv: readonly string[]): number {
    const { offset } = this.primary.write(argv);
    if (offset > 0) {
      this.invariants.appended(offset, this.lastAppended);
      this.lastAppended = offset;
      this.recorder.committed(offset, this.scheduler.nowMs());
    }
    return offset;
  }

  /** Executes a client's PUBLISH at the primary (its message carries `messageId`); returns its offset. */
  publish(channel: string, message: string, messageId: number): number {
    const offset = this.write(['PUBLISH', channel, message]);
    if (offset > 0) {
      this.messagesCommitted++;
      this.recorder.messageCommitted(messageId, offset, this.scheduler.nowMs());
    }
    return offset;
  }

  /**
   * A node executed (primary) or applied (replica) a PUBLISH: checks it comes in log order after
   * every entry before it, and streams it to the one subscriber in that region, in order (SSE is
   * one TCP stream). Returns the receivers at this node.
   */
  private deliver(region: string, message: string): number {
    const messageId = writeIdOf(message);
    // Open until every region's subscriber received it: a delivery of a message no longer open is a second one.
    const record = this.recorder.pubsub.message(messageId);
    if (record === undefined) {
      return this.invariants.fail(`${region} delivered ${message}, which no client published or every region received`);
    }
    const isPrimary = region === this.primary.name;
    // The primary runs PUBLISH before appending it; a replica applies it after the entries before it.
    const offset = isPrimary ? this.primary.log.lastOffset() + 1 : record.offset;
    const last = this.lastDeliveredOffset.get(region) ?? 0;
    this.invariants.pubsubChecks++;
    if (offset <= last) this.invariants.fail(`${region} delivered message at offset ${offset} after offset ${last}`);
    if (!isPrimary && this.position(region) !== offset - 1) {
      this.invariants.fail(
        `${region} delivered the message at offset ${offset} having applied only up to ${this.position(region)}`,
      );
    }
    this.lastDeliveredOffset.set(region, offset);
    this.nodeDeliveries.set(region, (this.nodeDeliveries.get(region) ?? 0) + 1);
    const clock = this.scheduler.clock;
    const nowMs = clock.nowMs();
    const arrivalMs = this.links.link('subscriber', region, region).arrivalMs(nowMs, 64 + message.length);
    if (arrivalMs === undefined) return 0;
    const atMs = Math.max(arrivalMs, this.subscriberFreeMs.get(region) ?? 0);
    this.subscriberFreeMs.set(region, atMs);
    clock.setTimer(atMs - nowMs, () => this.recorder.delivered(region, messageId, clock.nowMs()));
    return 1;
  }

  /**
   * After the run: a region that caught up and never replaced its state by a snapshot must have
   * delivered every committed message exactly once (a replica that skipped a PUBLISH entry fails).
   */
  checkMessagesDelivered(caughtUp: readonly string[]): void {
    for (const region of [this.primary.name, ...caughtUp]) {
      if (this.resyncedAfterMessages.has(region)) continue;
      const delivered = this.nodeDeliveries.get(region) ?? 0;
      this.invariants.pubsubChecks++;
      if (delivered !== this.messagesCommitted) {
        this.invariants.fail(
          `${region} delivered ${delivered} pub/sub messages, the primary committed ${this.messagesCommitted}`,
        );
      }
    }
  }

  /** Takes the primary's digest now; each replica is compared when it reaches the same offset. */
  sampleDigest(): void {
    if (!this.primary.up) return;
    const offset = this.primary.log.lastOffset();
    const digest = this.digestOf(this.primary.engine.db);
    this.sample = { offset, digest, pending: new Set(this.replicas.keys()) };
    for (const node of this.replicas.values()) if (node.up && node.appliedOffset === offset) this.compare(node);
  }

  /** At a quiescent point: every live replica that reached the primary's offset must hold the same keyspace. */
  checkConverged(): { caughtUp: string[]; behind: string[] } {
    const offset = this.primary.log.lastOffset();
    const digest = this.digestOf(this.primary.engine.db);
    const caughtUp: string[] = [];
    const behind: string[] = [];
    for (const node of this.replicas.values()) {
      if (node.up && node.appliedOffset === offset) {
        this.invariants.digests(node.name, offset, digest, this.digestOf(node.engine.db));
        caughtUp.push(node.name);
      } else {
        behind.push(node.name);
      }
    }
    return { caughtUp, behind };
  }

  /** A keyspace's digest, kept up to date incrementally: each check re-hashes only what changed since. */
  private digestOf(db: Keyspace): string {
    let digest = this.digests.get(db);
    if (digest === undefined) this.digests.set(db, (digest = new KeyspaceDigest(db, this.stringDigests)));
    return digest.digest();
  }

  allCaughtUp(): boolean {
    const offset = this.primary.log.lastOffset();
    for (const node of this.replicas.values()) if (!node.up || node.appliedOffset !== offset) return false;
    return true;
  }

  private startReplica(node: SimReplicaNode): void {
    node.start();
    this.invariants.resetTo(node.name, node.appliedOffset);
    this.recordedUpTo.set(node.name, Math.max(this.recordedUpTo.get(node.name) ?? 0, node.appliedOffset));
  }

  private compare(node: SimReplicaNode): void {
    const sample = this.sample;
    if (sample === undefined || !sample.pending.delete(node.name)) return;
    this.invariants.digests(node.name, sample.offset, sample.digest, this.digestOf(node.engine.db));
  }

  /** A replica applied the entry at `offset` (its replica's onEntryApplied: no event object per entry). */
  private onApplied(node: SimReplicaNode, offset: number, receivedAtMs: number, appliedAtMs: number): void {
    this.invariants.applied(node.name, offset, this.primary.log.lastOffset());
    this.recorder.applied(node.name, offset, receivedAtMs, appliedAtMs);
    this.recordedUpTo.set(node.name, offset);
    if (this.sample?.offset === offset) this.compare(node);
    this.syncWaitsReached(node, offset);
  }

  private onReplicaEvent(node: SimReplicaNode, event: ReplicaEvent): void {
    if (event.kind === 'snapshot-loaded') {
      this.invariants.resetTo(node.name, event.offset);
      // Messages inside the snapshot's range are never delivered there (pub/sub keeps no history).
      if (this.messagesCommitted > 0) this.resyncedAfterMessages.add(node.name);
      this.lastDeliveredOffset.set(node.name, Math.max(this.lastDeliveredOffset.get(node.name) ?? 0, event.offset));
      const from = (this.recordedUpTo.get(node.name) ?? 0) + 1;
      for (let offset = from; offset <= event.offset; offset++) {
        this.recorder.applied(node.name, offset, event.appliedAtMs, event.appliedAtMs);
      }
      this.recordedUpTo.set(node.name, Math.max(from - 1, event.offset));
      if (this.sample?.offset === event.offset) this.compare(node);
      this.syncWaitsReached(node, event.offset);
    }
  }

  /** `node` reached `offset`: a read waiting there for its token continues (a microtask). */
  private syncWaitsReached(node: SimReplicaNode, offset: number): void {
    const waits = this.syncWaits.get(node.name);
    if (waits !== undefined && waits.length > 0 && offset >= Math.min(...waits)) this.scheduler.microtasksDue();
  }

  /** Schedules a fault's start and (when it has a duration) its end, at workload time `atMs`. */
  scheduleFault(fault: FaultSpec, workloadStartMs: number): void {
    const clock = this.scheduler.clock;
    const startIn = workloadStartMs + fault.atMs - clock.nowMs();
    const end = (undo: () => void): void => {
      if (fault.durationMs !== undefined) clock.setTimer(startIn + fault.durationMs, undo);
    };
    switch (fault.kind) {
      case 'partition': {
        const models = this.links.between(...fault.regions);
        clock.setTimer(startIn, () => models.forEach((model) => model.setPartitioned(true)));
        end(() => models.forEach((model) => model.setPartitioned(false)));
        return;
      }
      case 'stall': {
        const models = this.links.between(...fault.regions);
        clock.setTimer(startIn, () => models.forEach((model) => model.addStall(clock.nowMs(), fault.durationMs)));
        return;
      }
      case 'lag':
        this.scheduleLag(fault, startIn, end);
        return;
      case 'replica-crash': {
        const node = this.replicas.get(fault.region);
        assert(node !== undefined, `${fault.region} is not a replica region`);
        clock.setTimer(startIn, () => node.crash());
        end(() => this.startReplica(node));
        return;
      }
      case 'primary-crash':
        clock.setTimer(startIn, () => this.primary.crash());
        end(() => this.primary.start());
        return;
    }
  }

  private scheduleLag(
    fault: Extract<FaultSpec, { kind: 'lag' }>,
    startIn: number,
    end: (undo: () => void) => void,
  ): void {
    const models: LinkModel[] = [...this.links.directed(fault.from, fault.to)];
    if (fault.bothWays === true) models.push(...this.links.directed(fault.to, fault.from));
    const change = parseLinkSettings(fault.link, 'lag');
    const before = models.map((model) => ({ ...model.current }));
    this.scheduler.clock.setTimer(startIn, () => models.forEach((model) => model.update(change)));
    end(() => models.forEach((model, i) => model.update({ ...(before[i] as object), partitioned: model.partitioned })));
  }
}
