import {
  type CommandBatch,
  type ReadDecider,
  ReplicaExecutor,
  type ReplicaPosition,
  type RestResponse,
  type RunContext,
  type RunResult,
} from '@meridian/core';
import type { Reply } from '@meridian/engine';
import { ArrivalQueue, type LinkModel, type SeededRandom, type TimerHandle } from '@meridian/lag';
import { byDelay } from '@meridian/topology';
import type { ReplicationReplica } from '@meridian/replication';
import {
  type AnswerPlan,
  type RegionState,
  type RegionView,
  type RegionViews,
  type RoutedRequest,
  RoutePlanner,
} from '@meridian/router';
import type { RegionStatus, SimCluster } from './cluster.js';
import type { InvariantChecker } from './invariants.js';
import type { LinkKind } from './links.js';
import { REPLICATION_ID, type SimReplicaNode } from './nodes.js';
import type { ReadCell, Recorder } from './recorder.js';
import type { SimScheduler } from './scheduler.js';
import { type SimClient, type Workload, writeIdOf } from './workload.js';

/**
 * A write-like request (a write or a PUBLISH) on its way to the primary: the region it entered by, its
 * size, and what happens at the primary or when it is lost. The timers on its way are set with it as
 * their item (setTimerWith), so a write makes no closure per hop.
 */
interface PrimaryBound {
  clientRegion: string;
  /** The region the client sent it to ('' until routed). */
  entry: string;
  bytes: number;
  atPrimary: (request: PrimaryBound) => void;
  failed: (request: PrimaryBound, reason: string) => void;
}

interface WriteRequest extends PrimaryBound {
  client: SimClient;
  key: number;
  value: string;
  writeId: number;
  startMs: number;
  measured: boolean;
  /** Its log offset, once the primary ran it. */
  offset: number;
}

interface ReadRequest {
  client: SimClient;
  key: number;
  /** The region the router sent it to, as the client's reads reach it. */
  target: ReadTarget;
  startMs: number;
  measured: boolean;
  /** The sync token sent with the read. */
  token: number;
  ownFloor: number;
  /** The newest offset of its key acknowledged to a writer when it was sent: an answer older is stale. */
  ackedFloor: number;
  observedFloor: number;
  stale: boolean;
  servedByPrimary: boolean;
  /** Its answer, once sent back: the version it carries, the node's sync token, its size, when it reaches the client. */
  version: number;
  answerToken: number;
  answerBytes: number;
  answerAtMs: number;
}

/**
 * A region as the reads of one client region reach it, resolved once (a read names no region on its
 * way): the client's links to it and back, its node, and its replica node and executor when it has one.
 */
interface ReadTarget {
  readonly name: string;
  readonly isPrimary: boolean;
  /** The client → region link, and the region → client one. */
  readonly toRegion: LinkModel;
  readonly toClient: LinkModel;
  /** The region's node (the primary or its replica): whether it is up is read from it for every read. */
  readonly node: RegionNode;
  /** The region's replica node and its executor (undefined in the primary's region). */
  readonly serving: ReplicaServing | undefined;
}

/** A replica region's node and the executor built over its current incarnation, shared by every client region. */
interface ReplicaServing {
  readonly node: SimReplicaNode;
  replica: ReplicationReplica | undefined;
  executor: ReplicaExecutor | undefined;
}

/** What a client's reads need, resolved at its first: its router's planner, its GET as the router reads it, the regions by name. */
interface ClientReads {
  readonly client: SimClient;
  readonly planner: RoutePlanner;
  /**
   * Its GETs as its region's router reads them (RoutePlanner.read: the class of the command, the
   * client's location and consistency from its headers). What the router reads of a GET is the same
   * for every key, so only the decision (`route`) is made per read.
   */
  readonly routed: RoutedRequest | AnswerPlan;
  readonly targets: ReadonlyMap<string, ReadTarget>;
  /** The region its last read went to (most of a client's reads go where its last one did). */
  lastTarget: ReadTarget | undefined;
  /**
   * Whether the router's decision for its reads depends only on which regions are healthy: not for
   * `bounded` reads (they read the regions' staleness), nor past ROUTE_MEMO_REGIONS_MAX regions.
   */
  readonly memoized: boolean;
  /** The router's last decision for its reads, and the regions' health it was made on (upMask, linkChanges). */
  memo: ReadTarget | undefined;
  memoUp: number;
  memoLinkChanges: number;
}

/** Regions whose nodes' being up fits in the bits of one small integer (Traffic.upMask). */
const ROUTE_MEMO_REGIONS_MAX = 30;

const REQUEST_BYTES = 64;
type RestRequest = RunContext['request'];
/** The REST request a replica executor gets for a read: it carries the read, for the modelled forwarder. */
interface SimRestRequest extends RestRequest {
  read: ReadRequest;
  incarnation: number;
}
/** A run context to fill in per read, with the sync token it hands on (a session read's), filled in too. */
type MutableRunContext = { -readonly [K in keyof RunContext]: RunContext[K] } & {
  readonly sessionToken: { replicationId: string; offset: number };
};
/** The simulator sends no bytes: a forwarded read's REST request carries none. */
const NO_BODY = new Uint8Array(0) as unknown as RestRequest['body'];
/** A read handed to a replica executor carries no headers (nothing reads or changes them). */
const NO_HEADERS: RestRequest['headers'] = Object.freeze({});
/** What the modelled forwarder hands back: the read itself is answered by the link model. */
const FORWARDED: RestResponse = { status: 200, headers: {}, body: '' };
/** The channel the workload publishes on; every region has one subscriber to it. */
export const PUBSUB_CHANNEL = 'meridian:experiment';

/** A region's node as a read sees it: up or not. */
type RegionNode = { readonly up: boolean };
/** A region with no node (not one of the topology's): never up, as its status handle says. */
const NO_NODE: RegionNode = { up: false };

/**
 * The node whose `up` a region's status handle returns (cluster.status), read directly: the handles'
 * closures (one per region) made every call through them a generic one, and reads ask it often.
 */
function nodeOf(cluster: SimCluster, region: string): RegionNode {
  return cluster.nodeOf(region) ?? NO_NODE;
}

type MutableRegionState = { -readonly [K in keyof RegionState]: RegionState[K] };

/**
 * A region as one client region's router sees it: what the model knows now, read when asked (the
 * planner reads health for every read it routes, staleness only for bounded reads, the offset never).
 */
class ModelRegionView implements RegionView {
  readonly url: string;
  readonly isPrimary: boolean;
  readonly role: string;
  readonly epoch = 0;
  readonly primaryOffset = undefined;
  readonly lagOffsets = undefined;
  readonly checkedAtMs = undefined;
  readonly error = undefined;

  constructor(
    readonly name: string,
    primaryName: string,
    private readonly status: RegionStatus,
    /** The region's node: whether it is up is read from it for every routed read. */
    private readonly node: RegionNode,
    private readonly link: LinkModel,
  ) {
    this.url = `sim://${name}`;
    this.isPrimary = name === primaryName;
    this.role = this.isPrimary ? 'primary' : 'replica';
  }

  /** Up, and not cut off from the client. */
  get healthy(): boolean {
    return this.node.up && !this.link.partitioned;
  }

  get stalenessMs(): number {
    return this.status.stalenessMs();
  }

  get appliedOffset(): number {
    return this.status.position();
  }
}

/**
 * The router's view of the regions as seen from one client region: up, not cut off from the client,
 * the staleness and offset the model knows. The router's own planner reads it (RoutePlanner.plan).
 */
class ClientRegionViews implements RegionViews {
  private readonly views = new Map<string, ModelRegionView>();
  /** Each view reads the model when asked: the same object for good. */
  readonly viewsFixed = true;

  constructor(
    private readonly cluster: SimCluster,
    links: ReadonlyMap<string, LinkModel>,
  ) {
    for (const name of cluster.regionNames) {
      const node = nodeOf(cluster, name);
      const view = new ModelRegionView(
        name,
        cluster.primaryName,
        cluster.status(name),
        node,
        links.get(name) as LinkModel,
      );
      this.views.set(name, view);
    }
  }

  view(name: string): RegionView | undefined {
    return this.views.get(name);
  }

  all(): RegionView[] {
    return this.cluster.regionNames.map((name) => this.view(name) as RegionView);
  }

  /** The model decides health; a failed forward is already a modelled outcome. */
  markDown(): void {}
}

/** Client requests: routing, links, sync-token waits, and the checks of each read's guarantee. */
export class Traffic {
  measuring = false;
  private writeIds = 1;
  /**
   * Per key: the ids and offsets of its writes that a node may still hold, in commit order, from
   * `keyWritesFrom`: a node that applied up to offset A holds the newest write of the key at or before
   * A, so every write past the smallest applied offset of the nodes and the newest before it (what a
   * read's answer is looked up in: versionOf).
   */
  private readonly keyWriteIds: number[][];
  private readonly keyWriteOffsets: number[][];
  private readonly keyWritesFrom: Int32Array;
  /**
   * Per key: offsets of its writes and their exact commit times, oldest first, from `keyKeptFrom`:
   * what a bounded read may ask (the newest committed before its horizon, now less its bound). A
   * write committed before now less the largest bound and followed by another such write is never
   * asked for again (horizons only move on), so it is dropped: the lists hold the writes of the last
   * `boundMsMax` and one before, however long the run.
   */
  private readonly keyOffsets: number[][];
  private readonly keyCommitMs: number[][];
  private readonly keyKeptFrom: Int32Array;
  /** The largest bound of the workload's bounded reads (0: none). */
  private readonly boundMsMax: number;
  /**
   * Per key, its newest offset and commit time (commit -Infinity and offset 0 before the first),
   * and the newest offset acknowledged to its writer so far. A read is stale iff it returned an
   * offset older than a write of its key acknowledged before the read was sent (taken when it is
   * sent: ReadRequest.ackedFloor): the definition live mode can observe, so both modes count alike.
   */
  private readonly newest: KeyNewest;
  private readonly nearest = new Map<string, MutableRegionState[]>();
  /** Per client region, the client links to each region of `nearest`, in the same order. */
  private readonly nearestLinks = new Map<string, LinkModel[]>();
  /** Per client region, the status of each region of `nearest`, in the same order. */
  private readonly nearestStatuses = new Map<string, RegionStatus[]>();
  /** Per client (by id): the reads whose answers are still on their way to it. */
  private readonly answers: ArrivalQueue<ReadRequest>[];
  /** Per client (by id): the cell its measured reads count in. */
  private readonly readCells: (ReadCell | undefined)[] = [];
  /** Per client region, the router's own planner over that region's view of the others. */
  private readonly planners = new Map<string, RoutePlanner>();
  /** Per client region, the regions its reads reach, by name. */
  private readonly readTargets = new Map<string, Map<string, ReadTarget>>();
  /** Each region's node, in cluster.regionNames' order (upMask). */
  private readonly regionNodes: RegionNode[];
  /** Changes to any client link so far (a partition, a new delay): a memoized route is decided again after one. */
  private readonly clientLinkChanges = { count: 0 };
  /** Per client (by id): what its reads need, from its first. */
  private readonly clientReads: (ClientReads | undefined)[] = [];
  /** Per key, the argv of a GET of it and the batch a replica executor runs. */
  private readonly readArgvs: (readonly string[])[];
  private readonly readBatches: CommandBatch[];
  /**
   * Requests of reads that are over (answered or failed), for the next reads to reuse. A read lives
   * from its issue to its client's next read after its answer (tens of ms), long enough for the young
   * generation's collections to copy it and promote it, and every queue it waits in (the clock's, the
   * client's answers) is old, so storing a new one there cost a write barrier each; a reused one is
   * old already, and its fields are overwritten in place.
   */
  private readonly spareReads: ReadRequest[] = [];
  /**
   * The run context (and REST request) a read is handed to a replica executor with, reused while
   * the executor answers at once; one it answers later (a promise: a sync-token wait or a forward)
   * keeps it, and the next read gets a new one.
   */
  private runContext = newRunContext();

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly cluster: SimCluster,
    private readonly workload: Workload,
    private readonly recorder: Recorder,
    private readonly invariants: InvariantChecker,
    private readonly settings: { syncWaitMsMax: number; diskSyncMs: number; decide: ReadDecider },
  ) {
    this.answers = workload.clients.map(() => new ArrivalQueue());
    this.keyOffsets = workload.keys.map(() => []);
    this.keyCommitMs = workload.keys.map(() => []);
    this.keyKeptFrom = new Int32Array(workload.keys.length);
    this.keyWriteIds = workload.keys.map(() => []);
    this.keyWriteOffsets = workload.keys.map(() => []);
    this.keyWritesFrom = new Int32Array(workload.keys.length);
    this.boundMsMax = Math.max(
      0,
      ...workload.clients.map((client) =>
        client.consistency.level === 'bounded' ? client.consistency.stalenessMsMax : 0,
      ),
    );
    this.newest = keyNewest(workload.keys.length);
    this.readArgvs = workload.keys.map((key) => ['GET', key]);
    this.readBatches = this.readArgvs.map((argv) => ({ kind: 'command', argv }));
    this.regionNodes = cluster.regionNames.map((name) => nodeOf(cluster, name));
    const serving = new Map<string, ReplicaServing>();
    for (const [name, node] of cluster.replicas) serving.set(name, { node, replica: undefined, executor: undefined });
    for (const from of cluster.regionNames) {
      const order = byDelay(cluster.config, (to) => cluster.links.baseDelayMs(from, to));
      this.nearestLinks.set(
        from,
        order.map((name) => cluster.links.link('client', from, name)),
      );
      this.nearestStatuses.set(
        from,
        order.map((name) => cluster.status(name)),
      );
      this.nearest.set(
        from,
        order.map((name) => ({
          name,
          isPrimary: name === cluster.primaryName,
          healthy: true,
          stalenessMs: 0,
          appliedOffset: 0,
        })),
      );
      const clientLinks = new Map(cluster.regionNames.map((name) => [name, cluster.links.link('client', from, name)]));
      // The listeners hold the counter only: the links outlive the run (its outcome keeps the cluster),
      // and a listener holding this model would keep its per-write histories with them.
      const changes = this.clientLinkChanges;
      for (const link of clientLinks.values()) link.onChange(() => changes.count++);
      this.planners.set(
        from,
        new RoutePlanner({ config: cluster.config, views: new ClientRegionViews(cluster, clientLinks) }),
      );
      const targets = new Map<string, ReadTarget>();
      for (const name of cluster.regionNames) {
        targets.set(name, {
          name,
          isPrimary: name === cluster.primaryName,
          toRegion: clientLinks.get(name) as LinkModel,
          toClient: cluster.links.link('client', name, from),
          node: nodeOf(cluster, name),
          serving: serving.get(name),
        });
      }
      this.readTargets.set(from, targets);
    }
  }

  /** Open-loop Poisson arrivals at `perSecond` in [startMs, endMs). */
  arrivals(perSecond: number, startMs: number, endMs: number, random: SeededRandom, issue: () => void): void {
    if (!(perSecond > 0)) return;
    const clock = this.scheduler.clock;
    const meanMs = 1000 / perSecond;
    // The next arrival's time in a typed array: a number variable the closure changes would be a new heap number each time.
    const next = new Float64Array([startMs - meanMs * Math.log(random.nextOpen())]);
    const tick = (): void => {
      issue();
      const nextMs = (next[0] as number) - meanMs * Math.log(random.nextOpen());
      next[0] = nextMs;
      if (nextMs < endMs) clock.setTimer(nextMs - clock.nowMs(), tick);
    };
    const firstMs = next[0] as number;
    if (firstMs < endMs) clock.setTimer(firstMs - clock.nowMs(), tick);
  }

  issueWrite(): void {
    const client = this.workload.nextClient();
    const writeId = this.writeIds++;
    const key = this.workload.nextKey();
    const value = this.workload.valueFor(writeId);
    const request: WriteRequest = {
      clientRegion: client.region,
      entry: '',
      bytes: REQUEST_BYTES + value.length,
      atPrimary: this.writeArrived,
      failed: this.writeLost,
      client,
      key,
      value,
      writeId,
      startMs: this.scheduler.nowMs(),
      measured: this.measuring,
      offset: 0,
    };
    this.toPrimary(request);
  }

  /**
   * A PUBLISH by a client picked with `random` (its own stream, so publishes leave the other
   * traffic's draws alone): routed like a write, it enters the log at the primary and reaches each
   * region's subscriber through replication.
   */
  issuePublish(random: SeededRandom): void {
    const client = this.workload.clientAt(random.next());
    const measured = this.measuring;
    const messageId = this.recorder.pubsub.issue(this.scheduler.nowMs(), measured);
    const message = `${messageId.toString(36)}:${client.region}`;
    this.toPrimary({
      clientRegion: client.region,
      entry: '',
      bytes: REQUEST_BYTES + message.length,
      atPrimary: () => {
        if (this.cluster.publish(PUBSUB_CHANNEL, message, messageId) === 0) {
          this.invariants.fail(`PUBLISH of message ${messageId} produced no log entry`);
        }
      },
      failed: (_request, reason) => {
        if (measured) this.recorder.failure(`publish: ${reason}`);
      },
    });
  }

  /** Sends a write-like request from a client to its nearest healthy region, and on to the primary. */
  private toPrimary(request: PrimaryBound): void {
    const entry = this.states(request.clientRegion).find((region) => region.healthy)?.name;
    if (entry === undefined) return request.failed(request, 'no reachable region');
    request.entry = entry;
    if (!this.sendItem('client', request.clientRegion, entry, request.bytes, this.atEntry, request)) {
      request.failed(request, 'client link down');
    }
  }

  /** A write-like request reached the region it entered by (made once, as the callbacks below). */
  private readonly atEntry = (request: PrimaryBound): void => {
    const entry = request.entry;
    if (!this.cluster.isUp(entry)) return request.failed(request, 'node down');
    const primary = this.cluster.primaryName;
    if (entry === primary) return this.atPrimary(request);
    if (!this.sendItem('forward', entry, primary, request.bytes, this.atPrimary, request)) {
      request.failed(request, 'region cannot reach the primary');
    }
  };

  private readonly atPrimary = (request: PrimaryBound): void => {
    if (!this.cluster.primary.up) return request.failed(request, 'primary down');
    request.atPrimary(request);
  };

  private readonly writeArrived = (request: PrimaryBound): void => this.writeAtPrimary(request as WriteRequest);
  private readonly writeLost = (request: PrimaryBound, reason: string): void =>
    this.writeFailed(request as WriteRequest, reason);

  /**
   * Sends `item` over the link, to `arrived` when it gets there (a callback made once: no closure per
   * message); false when the link dropped it (the caller handles it at once).
   */
  private sendItem<T extends object>(
    kind: LinkKind,
    from: string,
    to: string,
    bytes: number,
    arrived: (item: T) => void,
    item: T,
  ): boolean {
    const clock = this.scheduler.clock;
    const nowMs = clock.nowMs();
    const arrivalMs = this.cluster.links.link(kind, from, to).arrivalMs(nowMs, bytes);
    if (arrivalMs === undefined) return false;
    clock.setTimerWith(arrivalMs - nowMs, arrived, item);
    return true;
  }

  issueRead(): void {
    const client = this.workload.nextClient();
    const key = this.workload.nextKey();
    const nowMs = this.scheduler.nowMs();
    this.receiveAnswers(client, nowMs);
    // The router's own decision: the same classification, client ranking and routeRequest a live read gets.
    const reads = this.clientReads[client.id] ?? this.readsOf(client, key);
    const target = this.routeRead(reads);
    if (target === undefined) return;
    const request = this.spareReads.pop() ?? newReadRequest(client, target);
    request.client = client;
    request.key = key;
    request.target = target;
    request.startMs = nowMs;
    request.measured = this.measuring;
    request.token = client.token;
    request.ownFloor = client.ownWrites.get(key) ?? 0;
    request.ackedFloor = this.newest.acked[key] as number;
    request.observedFloor = client.observed.get(key) ?? 0;
    request.stale = false;
    request.servedByPrimary = false;
    request.version = 0;
    request.answerToken = 0;
    request.answerBytes = 0;
    request.answerAtMs = 0;
    if (!this.sendRead(request)) this.readFailed(request, 'client link down');
  }

  /**
   * The region the client's router sends its read to: the router's own planner decides (the same
   * classification, client ranking and routeRequest a live read gets). A decision that reads only
   * the regions' health (every level but `bounded`) is made again only once a node went up or down
   * or a client link changed (a partition): routeRequest is a function of what it reads, so asking
   * again with nothing changed gives the same region. Undefined: the router answered the read itself
   * (no region can serve it), counted as failed.
   */
  private routeRead(reads: ClientReads): ReadTarget | undefined {
    const up = reads.memoized ? this.upMask() : 0;
    if (reads.memo !== undefined && reads.memoUp === up && reads.memoLinkChanges === this.clientLinkChanges.count) {
      return reads.memo;
    }
    const routed = reads.routed;
    const plan = 'kind' in routed ? routed : reads.planner.route(routed, true);
    if (plan.kind === 'answer') {
      this.failed(reads.client, this.measuring, plan.reason ?? `answered ${plan.response.status}`);
      return undefined;
    }
    const target = targetOf(reads, plan.regions[0] as string);
    if (reads.memoized) {
      reads.memo = target;
      reads.memoUp = up;
      reads.memoLinkChanges = this.clientLinkChanges.count;
    }
    return target;
  }

  /** Which regions' nodes are up, a bit each (in cluster.regionNames' order). */
  private upMask(): number {
    const nodes = this.regionNodes;
    let mask = 0;
    for (let i = 0; i < nodes.length; i++) if ((nodes[i] as RegionNode).up) mask |= 1 << i;
    return mask;
  }

  /** Sends a read from its client to the region it was routed to; false when the link dropped it. */
  private sendRead(request: ReadRequest): boolean {
    const clock = this.scheduler.clock;
    const nowMs = clock.nowMs();
    const arrivalMs = request.target.toRegion.arrivalMs(nowMs, REQUEST_BYTES);
    if (arrivalMs === undefined) return false;
    clock.setTimerWith(arrivalMs - nowMs, this.readArrived, request);
    return true;
  }

  /** A read reached the region it was sent to (one callback for every read: no closure per read). */
  private readonly readArrived = (request: ReadRequest): void => this.serveRead(request);

  /** What `client`'s reads need (its GET of `key` as the router reads it), kept for its later reads. */
  private readsOf(client: SimClient, key: number): ClientReads {
    const planner = this.planners.get(client.region) as RoutePlanner;
    const routed = planner.read({
      method: 'GET',
      url: `/get/${encodeURIComponent(this.workload.keys[key] as string)}`,
      headers: { 'x-meridian-region': client.region, 'x-meridian-consistency': client.level },
      body: NO_BODY,
    });
    const targets = this.readTargets.get(client.region) as Map<string, ReadTarget>;
    const memoized =
      !('kind' in routed) &&
      routed.consistency.level !== 'bounded' &&
      this.regionNodes.length <= ROUTE_MEMO_REGIONS_MAX;
    const reads: ClientReads = {
      client,
      planner,
      routed,
      targets,
      lastTarget: undefined,
      memoized,
      memo: undefined,
      memoUp: 0,
      memoLinkChanges: 0,
    };
    this.clientReads[client.id] = reads;
    return reads;
  }

  /** A client region's view, nearest first (refreshed in place), for the region a write enters by. */
  private states(clientRegion: string): readonly RegionState[] {
    const states = this.nearest.get(clientRegion) as MutableRegionState[];
    const links = this.nearestLinks.get(clientRegion) as LinkModel[];
    const statuses = this.nearestStatuses.get(clientRegion) as RegionStatus[];
    for (let i = 0; i < states.length; i++) {
      refresh(states[i] as MutableRegionState, statuses[i] as RegionStatus, links[i] as LinkModel);
    }
    return states;
  }

  private cellOf(client: SimClient): ReadCell {
    let cell = this.readCells[client.id];
    if (cell === undefined) {
      cell = this.recorder.read(client.region, client.level);
      this.readCells[client.id] = cell;
    }
    return cell;
  }

  private writeAtPrimary(request: WriteRequest): void {
    const cluster = this.cluster;
    const offset = cluster.write(['SET', this.workload.keys[request.key] as string, request.value]);
    if (offset === 0) this.invariants.fail(`SET of write ${request.writeId} produced no log entry`);
    request.offset = offset;
    this.keepWrite(request.key, request.writeId, offset);
    this.keepCommit(request.key, offset, this.scheduler.nowMs());
    this.newest.offset[request.key] = offset;
    this.newest.commitMs[request.key] = this.scheduler.nowMs();
    this.scheduler.clock.setTimerWith(this.settings.diskSyncMs, this.writeSynced, request);
  }

  /**
   * The write is on disk: the primary answers, through the region the write entered by when that is
   * another (`reply`'s two hops).
   */
  private readonly writeSynced = (request: WriteRequest): void => {
    const cluster = this.cluster;
    if (!cluster.primary.up) return this.writeFailed(request, 'primary crashed before answering');
    const node = cluster.primaryName;
    const entry = request.entry;
    const sent =
      node === entry
        ? this.sendItem('client', node, request.clientRegion, REQUEST_BYTES, this.writeAnswered, request)
        : this.sendItem('forward', node, entry, REQUEST_BYTES, this.writeRelayed, request);
    if (!sent) this.writeFailed(request, 'answer lost');
  };

  private readonly writeRelayed = (request: WriteRequest): void => {
    if (!this.sendItem('client', request.entry, request.clientRegion, REQUEST_BYTES, this.writeAnswered, request)) {
      this.writeFailed(request, 'answer lost');
    }
  };

  private readonly writeAnswered = (request: WriteRequest): void => this.writeDone(request, request.offset);

  private writeDone(request: WriteRequest, offset: number): void {
    const { client, key } = request;
    const newest = this.newest;
    const acked = Math.max(newest.acked[key] as number, offset);
    newest.acked[key] = acked;
    client.token = Math.max(client.token, offset);
    client.ownWrites.set(key, Math.max(client.ownWrites.get(key) ?? 0, offset));
    if (!request.measured) return;
    const cell = this.recorder.write(client.region);
    cell.writes++;
    cell.latenciesMs.push(this.scheduler.nowMs() - request.startMs);
  }

  private writeFailed(request: WriteRequest, reason: string): void {
    if (!request.measured) return;
    const cell = this.recorder.write(request.client.region);
    cell.writes++;
    cell.failed++;
    this.recorder.failure(`write: ${reason}`);
  }

  private serveRead(request: ReadRequest): void {
    const target = request.target;
    if (!target.node.up) return this.readFailed(request, 'node down');
    if (target.isPrimary) return this.readAt(request, true);
    const serving = target.serving;
    const replica = serving?.node.replica;
    if (serving === undefined || replica === undefined) return this.readFailed(request, 'node down');
    const node = serving.node;
    // The node's own replica executor (core's) answers: its read decision, sync-token wait and
    // forwarding; a client sends its token under `session` only.
    const consistency = request.client.consistency;
    const context = this.runContext;
    const rest = context.request as SimRestRequest;
    rest.read = request;
    rest.incarnation = node.incarnation;
    if (consistency.level === 'session' && request.token > 0) {
      context.sessionToken.offset = request.token;
      context.syncToken = context.sessionToken;
    } else {
      context.syncToken = undefined;
    }
    context.consistency = consistency;
    const result = this.executorOf(serving, replica).run(this.readBatches[request.key] as CommandBatch, context);
    if (!(result instanceof Promise)) return this.answeredAtReplica(request, node, node.incarnation, result);
    this.runContext = newRunContext();
    const incarnation = node.incarnation;
    result.then(
      (outcome) => this.answeredAtReplica(request, node, incarnation, outcome),
      (error: unknown) => this.invariants.fail(`the replica executor failed: ${String(error)}`),
    );
  }

  /** A replica's answer: served there (checked and sent back) or handed to the primary (modelled by the forwarder). */
  private answeredAtReplica(request: ReadRequest, node: SimReplicaNode, incarnation: number, outcome: RunResult): void {
    if ('forwarded' in outcome) return;
    if (!node.up || node.incarnation !== incarnation) return this.readFailed(request, 'node down');
    const replies = outcome.replies;
    this.readAt(request, false, Array.isArray(replies) ? replies[0] : replies);
  }

  /** The replica node's executor, built (like the node's) over this incarnation's engine and replica. */
  private executorOf(serving: ReplicaServing, replica: ReplicationReplica): ReplicaExecutor {
    if (serving.replica === replica && serving.executor !== undefined) return serving.executor;
    const node = serving.node;
    const region = node.name;
    const status = this.cluster.status(region);
    const executor = new ReplicaExecutor({
      engine: node.engine,
      clock: this.scheduler.clock,
      position: new ModelReplicaPosition(replica, region, this.scheduler, this.cluster, this.invariants),
      replicationId: () => node.replicationId,
      stalenessMs: () => status.stalenessMs(),
      forwarder: { forward: (rest) => this.forwardFromReplica(rest, node) },
      syncWaitMsMax: this.settings.syncWaitMsMax,
      decide: this.settings.decide,
    });
    serving.replica = replica;
    serving.executor = executor;
    return executor;
  }

  /** The modelled Forwarder: the read travels the replica→primary link and is answered there. */
  private forwardFromReplica(rest: RestRequest, node: SimReplicaNode): Promise<RestResponse> {
    if (!isSimRest(rest)) {
      this.invariants.fail('a forwarded request the simulator did not send');
      return Promise.resolve(FORWARDED);
    }
    if (!node.up || node.incarnation !== rest.incarnation) this.readFailed(rest.read, 'node down');
    else this.forwardRead(rest.read, node.name);
    return Promise.resolve(FORWARDED);
  }

  private forwardRead(request: ReadRequest, via: string): void {
    if (!this.sendItem('forward', via, this.cluster.primaryName, REQUEST_BYTES, this.forwardedArrived, request)) {
      this.readFailed(request, 'region cannot reach the primary');
    }
  }

  /** A read a replica handed on reached the primary (one callback for every read: no closure per read). */
  private readonly forwardedArrived = (request: ReadRequest): void => {
    if (!this.cluster.primary.up) return this.readFailed(request, 'primary down');
    this.readAt(request, true);
  };

  /**
   * Executes the GET at the primary (`atPrimary`) or at the read's target now (or takes the answer
   * given), checks it, and answers through the target (from the primary, a forwarded read's answer
   * goes back through the region it was sent to).
   */
  private readAt(request: ReadRequest, atPrimary: boolean, answered?: Reply): void {
    const cluster = this.cluster;
    const target = request.target;
    const argv = this.readArgvs[request.key] as readonly string[];
    const reply =
      answered !== undefined
        ? answered
        : atPrimary
          ? cluster.primary.read(argv)
          : target.serving?.node.engine.executeForReply(argv, Math.floor(this.scheduler.nowMs()));
    const version = this.versionOf(request.key, reply);
    const newest = this.newest.offset[request.key] as number;
    request.stale = version < request.ackedFloor;
    request.servedByPrimary = atPrimary;
    this.checkAtExecution(request, version, atPrimary ? cluster.primaryName : target.name, version < newest);
    // The answering node's position (what its status handle's position() returns).
    const token = atPrimary ? this.cluster.primary.log.lastOffset() : (target.serving?.node.appliedOffset ?? 0);
    const bytes = REQUEST_BYTES + (typeof reply === 'string' ? reply.length : 0);
    if (!atPrimary || target.isPrimary) return this.answerToClient(request, version, token, bytes);
    // The answer rides with the request to the region it was sent to (no closure per read).
    request.version = version;
    request.answerToken = token;
    request.answerBytes = bytes;
    if (!this.sendItem('forward', cluster.primaryName, target.name, bytes, this.answerRelayed, request)) {
      this.readFailed(request, 'answer lost');
    }
  }

  /** A forwarded read's answer reached the region the read was sent to, on its way to the client. */
  private readonly answerRelayed = (request: ReadRequest): void =>
    this.answerToClient(request, request.version, request.answerToken, request.answerBytes);

  /**
   * A read's answer leaves its target for the client. Its arrival time is known now, so it waits in the
   * client's queue instead of a timer: the client takes it (its token and versions seen) before its
   * next read, when every answer that arrived by then is in, and the run takes the rest at its end
   * (settleReads). An answer due at the very instant of the client's next read counts as arrived.
   * What the client checks in it depends on nothing that changes on the way, so it is checked now.
   */
  private answerToClient(request: ReadRequest, version: number, token: number, bytes: number): void {
    const nowMs = this.scheduler.nowMs();
    const client = request.client;
    const arrivalMs = request.target.toClient.arrivalMs(nowMs, bytes);
    if (arrivalMs === undefined) return this.readFailed(request, 'answer lost');
    this.checkAnswer(request, version);
    // The time a timer set for the arrival would run at (VirtualClock.setTimer), to the last bit.
    const delayMs = arrivalMs - nowMs;
    const atMs = delayMs > 0 ? nowMs + delayMs : nowMs;
    request.version = version;
    request.answerToken = token;
    request.answerAtMs = atMs;
    (this.answers[client.id] as ArrivalQueue<ReadRequest>).push(atMs, request);
  }

  /** The answers that reached `client` by `untilMs`. */
  private receiveAnswers(client: SimClient, untilMs: number): void {
    const answers = this.answers[client.id] as ArrivalQueue<ReadRequest>;
    for (let answer = answers.takeArrived(untilMs); answer !== undefined; answer = answers.takeArrived(untilMs)) {
      this.readDone(answer);
      // The read is over: its request is reused.
      this.spareReads.push(answer);
    }
  }

  /** Every read answer that arrived by `untilMs` (the end of the run) is taken by its client. */
  settleReads(untilMs: number): void {
    for (const client of this.workload.clients) this.receiveAnswers(client, untilMs);
  }

  /** The offset of the write of `key` whose value `reply` is (0: none, a null reply). */
  private versionOf(key: number, reply: unknown): number {
    if (reply === null) return 0;
    const writeId = writeIdOf(reply);
    const ids = this.keyWriteIds[key] as number[];
    const from = this.keyWritesFrom[key] as number;
    // Newest first: most reads return a recent write.
    for (let i = ids.length - 1; i >= from && writeId >= 0; i--) {
      if (ids[i] === writeId) return (this.keyWriteOffsets[key] as number[])[i] as number;
    }
    this.invariants.fail(`a read returned ${JSON.stringify(reply)}, which no committed write a node may hold produced`);
    return 0;
  }

  /** Adds `key`'s write `writeId` at `offset`, and drops those no node can hold any more. */
  private keepWrite(key: number, writeId: number, offset: number): void {
    const ids = this.keyWriteIds[key] as number[];
    const offsets = this.keyWriteOffsets[key] as number[];
    ids.push(writeId);
    offsets.push(offset);
    const applied = this.cluster.appliedOffsetMin();
    let from = this.keyWritesFrom[key] as number;
    while (from + 1 < offsets.length && (offsets[from + 1] as number) <= applied) from++;
    if (from > 64 && 2 * from > offsets.length) {
      ids.splice(0, from);
      offsets.splice(0, from);
      from = 0;
    }
    this.keyWritesFrom[key] = from;
  }

  /** Adds `key`'s commit of `offset` at `atMs` to its history, and drops what no bounded read can ask for any more. */
  private keepCommit(key: number, offset: number, atMs: number): void {
    const offsets = this.keyOffsets[key] as number[];
    const times = this.keyCommitMs[key] as number[];
    offsets.push(offset);
    times.push(atMs);
    const oldestAskedMs = atMs - this.boundMsMax;
    let from = this.keyKeptFrom[key] as number;
    while (from + 1 < times.length && (times[from + 1] as number) < oldestAskedMs) from++;
    if (from > 64 && 2 * from > times.length) {
      offsets.splice(0, from);
      times.splice(0, from);
      from = 0;
    }
    this.keyKeptFrom[key] = from;
  }

  /** The newest offset of `key` committed before `atMs` (0: none); commit times only grow. */
  private committedBefore(key: number, atMs: number): number {
    if ((this.newest.commitMs[key] as number) < atMs) return this.newest.offset[key] as number;
    const times = this.keyCommitMs[key] as number[];
    const from = this.keyKeptFrom[key] as number;
    const committed = countBelow(times, atMs, from);
    if (committed === from && from > 0) {
      this.invariants.fail(`a bounded read asked for ${this.workload.keys[key] ?? ''} before its kept history`);
    }
    return committed > 0 ? ((this.keyOffsets[key] as number[])[committed - 1] as number) : 0;
  }

  /** Strong reads see the newest committed version; bounded reads hold every write older than the bound. */
  private checkAtExecution(request: ReadRequest, version: number, node: string, behindPrimary: boolean): void {
    const consistency = request.client.consistency;
    this.invariants.guaranteeChecks++;
    if (consistency.level === 'strong' && behindPrimary) {
      this.invariants.fail(
        `strong read of ${this.workload.keys[request.key] ?? ''} at ${node} returned offset ${version}, the primary has newer`,
      );
    }
    if (consistency.level !== 'bounded') return;
    const horizonMs = this.scheduler.nowMs() - consistency.stalenessMsMax;
    const required = this.committedBefore(request.key, horizonMs);
    if (version < required) {
      this.invariants.fail(
        `bounded=${consistency.stalenessMsMax} read of ${this.workload.keys[request.key] ?? ''} at ${node} returned offset ${version}, but offset ${required} was committed more than ${consistency.stalenessMsMax} ms earlier`,
      );
    }
  }

  /** Session and strong clients hold their answers to read-your-writes and monotonic reads. */
  private checkAnswer(request: ReadRequest, version: number): void {
    const { client, key } = request;
    const level = client.consistency.level;
    const ownViolation = version < request.ownFloor;
    const monotonicViolation = version < request.observedFloor;
    if ((ownViolation || monotonicViolation) && (level === 'session' || level === 'strong')) {
      const what = ownViolation
        ? `read-your-writes (own write at offset ${request.ownFloor})`
        : `monotonic reads (saw offset ${request.observedFloor} before)`;
      this.invariants.fail(
        `${level} client ${client.id} in ${client.region} read offset ${version} of ${this.workload.keys[key] ?? ''}: violates ${what}`,
      );
    }
  }

  /** The client has the read's answer: what it saw, and the read's figures. */
  private readDone(request: ReadRequest): void {
    const { client, key, version, answerToken: token, answerAtMs: atMs } = request;
    const ownViolation = version < request.ownFloor;
    const monotonicViolation = version < request.observedFloor;
    client.observed.set(key, Math.max(client.observed.get(key) ?? 0, version));
    client.token = Math.max(client.token, token);
    if (!request.measured) return;
    const cell = this.cellOf(client);
    cell.reads++;
    cell.latenciesMs.push(atMs - request.startMs);
    if (request.stale) cell.stale++;
    if (ownViolation) cell.readYourWritesViolations++;
    if (monotonicViolation) cell.monotonicViolations++;
    if (request.servedByPrimary) cell.servedByPrimary++;
  }

  /** The read is over (its request is reused: nothing may hold it past this). */
  private readFailed(request: ReadRequest, reason: string): void {
    this.failed(request.client, request.measured, reason);
    this.spareReads.push(request);
  }

  /** A read of `client` failed (`measured`: it counts). */
  private failed(client: SimClient, measured: boolean, reason: string): void {
    if (!measured) return;
    const cell = this.cellOf(client);
    cell.reads++;
    cell.failed++;
    this.recorder.failure(`read (${client.level}): ${reason}`);
  }
}

/** The region named `name` as `reads`' client reaches it; the planner names regions by their views' own strings. */
function targetOf(reads: ClientReads, name: string): ReadTarget {
  const last = reads.lastTarget;
  if (last !== undefined && last.name === name) return last;
  const target = reads.targets.get(name) as ReadTarget;
  reads.lastTarget = target;
  return target;
}

/**
 * A replica's position as its executor sees it (ReplicaExecutor reads `appliedOffset` for every read):
 * one class, so every replica's and incarnation's has the same shape (object literals with a getter
 * each had their own, and the executor's read of it was a generic property lookup). A sync-token wait
 * is registered so that the scheduler lets its continuation run as soon as the replica reaches the
 * offset or gives up.
 */
class ModelReplicaPosition implements ReplicaPosition {
  constructor(
    private readonly replica: ReplicationReplica,
    private readonly region: string,
    private readonly scheduler: SimScheduler,
    private readonly cluster: SimCluster,
    private readonly invariants: InvariantChecker,
  ) {}

  get appliedOffset(): number {
    return this.replica.appliedOffset;
  }

  waitForOffset(offset: number, timeoutMs: number): Promise<boolean> {
    let waits = this.cluster.syncWaits.get(this.region);
    if (waits === undefined) this.cluster.syncWaits.set(this.region, (waits = []));
    const waiting = waits;
    waiting.push(offset);
    let nudge: TimerHandle | undefined;
    const reached = this.replica.waitForOffset(offset, timeoutMs);
    reached.then(
      () => {
        nudge?.cancel();
        waiting.splice(waiting.indexOf(offset), 1);
      },
      (error: unknown) => this.invariants.fail(`waitForOffset rejected: ${String(error)}`),
    );
    if (timeoutMs <= 0) this.scheduler.microtasksDue();
    // Set after the replica's own timeout timer (same time, later sequence): when it runs, the
    // replica has resolved the wait and the continuation is due.
    else nudge = this.scheduler.clock.setTimer(timeoutMs, () => this.scheduler.microtasksDue());
    return reached;
  }
}

/** What a client sees of a region now: up and reachable over its link, its staleness and position. */
function refresh(
  target: { healthy: boolean; stalenessMs: number; appliedOffset: number },
  status: RegionStatus,
  link: LinkModel,
): void {
  target.healthy = status.up() && !link.partitioned;
  target.stalenessMs = status.stalenessMs();
  target.appliedOffset = status.position();
}

/** Per key: its newest offset and commit time, and the newest offset acknowledged. */
interface KeyNewest {
  offset: Float64Array;
  commitMs: Float64Array;
  acked: Float64Array;
}

function keyNewest(keyCount: number): KeyNewest {
  return {
    offset: new Float64Array(keyCount),
    commitMs: new Float64Array(keyCount).fill(-Infinity),
    acked: new Float64Array(keyCount),
  };
}

/** A read request of `client` to `target`, its other fields unset (issueRead sets them all). */
function newReadRequest(client: SimClient, target: ReadTarget): ReadRequest {
  return {
    client,
    key: 0,
    target,
    startMs: 0,
    measured: false,
    token: 0,
    ownFloor: 0,
    ackedFloor: 0,
    observedFloor: 0,
    stale: false,
    servedByPrimary: false,
    version: 0,
    answerToken: 0,
    answerBytes: 0,
    answerAtMs: 0,
  };
}

function newRunContext(): MutableRunContext {
  const request: Omit<SimRestRequest, 'read'> & { read: ReadRequest | undefined } = {
    method: 'POST',
    url: '/',
    headers: NO_HEADERS,
    body: NO_BODY,
    read: undefined,
    incarnation: 0,
  };
  return {
    syncToken: undefined,
    consistency: undefined,
    request: request as SimRestRequest,
    sessionToken: { replicationId: REPLICATION_ID, offset: 0 },
  };
}

function isSimRest(rest: RestRequest): rest is SimRestRequest {
  return 'read' in rest;
}

/** How many of the ascending `values` are < `limit` (all of those before `from` are). */
function countBelow(values: readonly number[], limit: number, from: number): number {
  let low = from;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((values[middle] as number) < limit) low = middle + 1;
    else high = middle;
  }
  return low;
}
