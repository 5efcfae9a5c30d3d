import type { Clock, Distribution, LinkSettings, TimerHandle } from '@meridian/lag';
import { LinkModel, SeededRandom } from '@meridian/lag';
import {
  type ArrivedDelivery,
  type Connection,
  type ConnectionHandlers,
  type Listener,
  deliversArrived,
  entriesInFrame,
} from '@meridian/replication';
import type { Durability } from '@meridian/topology';

/**
 * What the real node's code costs on one machine, in µs (`meridian calibrate` measures them and
 * writes them to a file regions.yaml's `simulation.costs` names). Per frame and per entry, at the
 * primary (commit, encode with its CRC, send to each replica) and at a replica (receive, decode,
 * apply, commit, ack), plus the event loop: a `setImmediate` turn (the primary's pump; a link
 * without delay hands a frame on, and a replica applies what a socket read brought, in the same
 * turn) and how late a timer fires (a lagged link's delivery).
 */
export interface NodeCosts {
  eventLoopTurnUs: number;
  /**
   * Mean lateness of a `setTimeout` past its due time: a delivery on a link with a delay. May be
   * negative: Node counts a timer from the loop's cached time, so it can fire up to ~1 ms early.
   */
  timerLateUs: number;
  primary: {
    /** The group commit of the entries of one pump turn, per durability policy. */
    commitBatchUs: Record<Durability, number>;
    commitEntryUs: Record<Durability, number>;
    /** encodeFrame (CRC-32 included): per frame and per entry in it. */
    encodeFrameUs: number;
    encodeEntryUs: number;
    /** Handing one frame to one replica's WebSocket. */
    sendFrameUs: number;
    /** Receiving and decoding one ack. */
    receiveAckUs: number;
  };
  replica: {
    /** A frame from its WebSocket to the replica's code (the loopback hop included). */
    receiveFrameUs: number;
    /** decodeFrame (CRC-32 checked): per frame and per entry. */
    decodeFrameUs: number;
    decodeEntryUs: number;
    /** The engine applying one entry's effects and the replica's log append. */
    applyEntryUs: number;
    commitBatchUs: Record<Durability, number>;
    commitEntryUs: Record<Durability, number>;
    /** Encoding and sending one ack. */
    ackUs: number;
  };
  /**
   * A client's HTTP request on loopback: `requestUs` from its send to the node running it,
   * `answerUs` from the node's answer to the client holding it. Not part of a node's lag; live
   * probes include them (a probe's send stands for the commit, its answer's arrival for the apply).
   */
  client: { requestUs: number; answerUs: number };
  /**
   * Measured under load (`meridian calibrate --load-processes`): 21 quantiles (p0, p5, …, p100) of
   * a frame's trip from one process's send to the other's code (`frameUs`) and of a delayed link's
   * lateness (`timerLateUs`). When present, each delivery draws from them instead of charging the
   * medians (`sendFrameUs` + `receiveFrameUs`) and the mean lateness. Files without them load as before.
   */
  wakeUps?: WakeUps;
}

export interface WakeUps {
  frameUs: number[];
  timerLateUs: number[];
  /**
   * A write's path from its commit at a real primary to its apply at a real replica (`meridian
   * node` processes serving a probe's requests): on a link without delay (`pathUs`), and past the
   * delay on a link with one (`delayedPathUs`, the delay line's lateness included). The primary's
   * turn after the commit, its log read, encode and send, the socket and the replica's receipt and
   * apply, each on a busy event loop. When present, a delivery draws the one of its link (less what
   * the modelled costs of a lone entry already charge) in place of `frameUs` and `timerLateUs`;
   * older files have none.
   */
  pathUs?: number[];
  delayedPathUs?: number[];
}

/** How many quantiles a `wakeUps` distribution holds: p0 to p100 in steps of 5. */
export const WAKE_UP_QUANTILES = 21;
/**
 * The most quantiles a commit → applied path (`pathUs`, `delayedPathUs`) may hold. The paths' tails
 * are long and a draw is a straight line between neighbouring quantiles, so calibrate keeps as many
 * as it timed paths, up to this (every sample, in order, below it).
 */
export const PATH_QUANTILES_MAX = 1_001;
/** The seed of the stream a primary draws its deliveries' wake-ups from (one per primary incarnation). */
const WAKE_UP_SEED = 0x3a7e;

/** A draw from a distribution given by evenly spaced quantiles (linear between them). */
export function drawFromQuantiles(quantiles: readonly number[], uniform: number): number {
  const position = uniform * (quantiles.length - 1);
  const low = Math.floor(position);
  const lowValue = quantiles[low] as number;
  const highValue = quantiles[Math.min(quantiles.length - 1, low + 1)] as number;
  return lowValue + (highValue - lowValue) * (position - low);
}

const ZERO_BY_POLICY: Record<Durability, number> = { none: 0, everysec: 0, always: 0 };

/** No cost anywhere: the pure network model (the analytic tests' setting, `simulation.costs: none`). */
export const ZERO_NODE_COSTS: NodeCosts = {
  eventLoopTurnUs: 0,
  timerLateUs: 0,
  primary: {
    commitBatchUs: ZERO_BY_POLICY,
    commitEntryUs: ZERO_BY_POLICY,
    encodeFrameUs: 0,
    encodeEntryUs: 0,
    sendFrameUs: 0,
    receiveAckUs: 0,
  },
  replica: {
    receiveFrameUs: 0,
    decodeFrameUs: 0,
    decodeEntryUs: 0,
    applyEntryUs: 0,
    commitBatchUs: ZERO_BY_POLICY,
    commitEntryUs: ZERO_BY_POLICY,
    ackUs: 0,
  },
  client: { requestUs: 0, answerUs: 0 },
};

/** Whether every figure is zero (the simulator then runs exactly as without a cost model). */
export function costsNothing(costs: NodeCosts): boolean {
  const zero = (value: unknown): boolean =>
    typeof value === 'number' ? value === 0 : Object.values(value as object).every(zero);
  return zero(costs);
}

/**
 * The primary's thread (one per incarnation) and what it charges: sends, encodes and commits on
 * its replication links, and each ack it receives. Undefined when nothing costs anything.
 */
export function primaryCharges(
  costs: NodeCosts,
  durability: Durability,
  clock: Clock,
  lastOffset: () => number,
): { links: PrimaryLinkCosts; listener: (listener: Listener) => Listener } | undefined {
  if (costsNothing(costs)) return undefined;
  const cpu = new NodeCpu();
  let countedOffset = lastOffset();
  const links = new PrimaryLinkCosts(costs, durability, cpu, () => {
    const last = lastOffset();
    const entries = Math.max(0, last - countedOffset);
    countedOffset = last;
    return entries;
  });
  const ack = { beforeMs: costs.primary.receiveAckUs / 1000, afterMs: 0 };
  return {
    links,
    listener: (listener) =>
      wrapListener(listener, (connection) => new CpuConnection(connection, clock, cpu, () => ack)),
  };
}

/**
 * A replica's thread (one per incarnation): the connection to the primary wrapped so each frame
 * reaches the replica's code once received, decoded and applied. Undefined when nothing costs.
 */
export function replicaCharges(
  costs: NodeCosts,
  durability: Durability,
  clock: Clock,
): ((connection: Connection) => Connection) | undefined {
  if (costsNothing(costs)) return undefined;
  const cpu = new NodeCpu();
  return (connection) => {
    // One result per connection, filled in per frame: CpuConnection reads it at once.
    const work = { beforeMs: 0, afterMs: 0 };
    // The count from the frame's header: the frame is decoded once, when the replica's code takes it.
    return new CpuConnection(connection, clock, cpu, (frame, busy) =>
      replicaFrameWork(costs, durability, entriesInFrame(frame), busy, work),
    );
  };
}

/** A node's one thread: work queues behind work already started, in virtual time. */
export class NodeCpu {
  private busyUntilMs = -Infinity;

  /** Whether the thread is still working at `atMs`. */
  busyAt(atMs: number): boolean {
    return this.busyUntilMs > atMs;
  }

  /** Takes `costMs` of the thread from `atMs` (or when it is free); returns when that work ends. */
  occupy(atMs: number, costMs: number): number {
    if (!(costMs > 0)) return Math.max(atMs, this.busyUntilMs);
    const endMs = Math.max(atMs, this.busyUntilMs) + costMs;
    this.busyUntilMs = endMs;
    return endMs;
  }
}

/**
 * The primary's side of its replication links: a frame leaves once the primary's thread has
 * committed and encoded it (once per pump turn: the replicas at the same position share the bytes)
 * and handed it to this replica's socket; it arrives after the network's delay plus the event
 * loop's delay in firing the delivery (a timer's lateness; none on a link without delay). As on a
 * real primary, whose every link is a delay line: in the turn a delayed link's frame is only queued
 * (its socket send comes when the line delivers, a turn of its own), so the sends of a turn that
 * keep each other waiting are those of the links without delay, after the turn.
 * The entries of a turn are those the log gained since the previous turn (a catch-up after a
 * reconnect is charged as frames without entries).
 */
export class PrimaryLinkCosts {
  private lastTurnMs = Number.NaN;
  /** When the thread finished the last turn's commit and encode. */
  private turnEndMs = Number.NaN;
  private readonly random = new SeededRandom(WAKE_UP_SEED);
  /** What the modelled costs charge a lone entry on a link without delay (drawn paths are net of it). */
  private readonly modelledPathUs: number;

  constructor(
    private readonly costs: NodeCosts,
    private readonly durability: Durability,
    private readonly cpu: NodeCpu,
    /** Entries appended since the previous call. */
    private readonly newEntries: () => number,
  ) {
    this.modelledPathUs = inNodeLoneEntryUs(costs, durability, 0);
  }

  /** When a frame sent at `sendMs` leaves on a link with a delay (`delayed`) or without. */
  departureMs(sendMs: number, delayed: boolean): number {
    const primary = this.costs.primary;
    if (sendMs !== this.lastTurnMs) {
      this.lastTurnMs = sendMs;
      const entries = this.newEntries();
      let turnUs = this.costs.eventLoopTurnUs + primary.encodeFrameUs + entries * primary.encodeEntryUs;
      // Group commit: entries appended while the thread works join the commit it will run next.
      if (entries > 0) turnUs += entries * primary.commitEntryUs[this.durability];
      if (entries > 0 && !this.cpu.busyAt(sendMs)) turnUs += primary.commitBatchUs[this.durability];
      this.turnEndMs = this.cpu.occupy(sendMs, turnUs / 1000);
    }
    // Queued in the turn, sent when its line delivers: it keeps no other link's send waiting.
    if (delayed) return this.turnEndMs + primary.sendFrameUs / 1000;
    return this.cpu.occupy(sendMs, primary.sendFrameUs / 1000);
  }

  /** How late the event loop delivers a frame whose link took `transitMs`. */
  deliveryLateMs(transitMs: number): number {
    const wakeUps = this.costs.wakeUps;
    // A link without delay hands the frame to the socket at the end of the sending turn (no turn of its own).
    if (wakeUps === undefined) return transitMs > 0 ? this.costs.timerLateUs / 1000 : 0;
    const path = transitMs > 0 ? wakeUps.delayedPathUs : wakeUps.pathUs;
    if (path !== undefined) {
      // The real nodes' path as drawn, less what the modelled costs charge it.
      return Math.max(0, drawFromQuantiles(path, this.random.next()) - this.modelledPathUs) / 1000;
    }
    // The frame's trip between the processes as drawn, in place of the medians charged for it.
    const tripUs =
      drawFromQuantiles(wakeUps.frameUs, this.random.next()) -
      this.costs.primary.sendFrameUs -
      this.costs.replica.receiveFrameUs;
    const lateUs = transitMs > 0 ? drawFromQuantiles(wakeUps.timerLateUs, this.random.next()) : 0;
    return (tripUs + lateUs) / 1000;
  }
}

/** Whether a link's frames wait on a timer (a delay or a jitter): a link without either delivers after the sending event. */
export function linkDelayed(settings: Readonly<Pick<LinkSettings, 'baseDelayMs' | 'jitter'>>): boolean {
  return settings.baseDelayMs > 0 || settings.jitter.meanMs > 0;
}

/**
 * A link model whose sends first wait for the sending node's thread and whose deliveries come as
 * late as the receiving event loop makes them. Without `costs` it is the plain link model.
 */
export class CostedLinkModel extends LinkModel {
  costs: PrimaryLinkCosts | undefined;

  override arrivalMs(sendMs: number, bytes: number): number | undefined {
    const costs = this.costs;
    if (costs === undefined) return super.arrivalMs(sendMs, bytes);
    const departMs = costs.departureMs(sendMs, linkDelayed(this.current));
    const arrival = super.arrivalMs(departMs, bytes);
    return arrival === undefined ? undefined : arrival + costs.deliveryLateMs(arrival - departMs);
  }
}

/**
 * Incoming frames reach the node's code once its thread has done `beforeMs` of work on them
 * (receive, decode, apply); `afterMs` more (commit, ack) keeps the thread busy after that. In
 * order, one at a time; a close comes after the frames before it. At zero cost a frame is handed
 * over at once, exactly as without this wrapper.
 */
export class CpuConnection implements Connection, ArrivedDelivery {
  /**
   * Frames waiting for the thread at [queueHead, queueTail), and when each reaches the node's code.
   * Taken slots are cleared; emptied, the arrays are kept and filled from 0 again (new ones would
   * be garbage per frame).
   */
  private readonly queueFrames: (Uint8Array | undefined)[] = [];
  private readonly queueAtMs: number[] = [];
  private queueHead = 0;
  private queueTail = 0;
  private timer: TimerHandle | undefined;
  private handlers: ConnectionHandlers | undefined;
  private pendingClose: { code: number; reason: string } | undefined;

  constructor(
    private readonly inner: Connection,
    private readonly clock: Clock,
    private readonly cpu: NodeCpu,
    /**
     * The work on `frame` (read at once: the result may be reused); `busy`: the thread is still on
     * earlier frames (their commit takes this one's entries too).
     */
    private readonly workMs: (frame: Uint8Array, busy: boolean) => { beforeMs: number; afterMs: number },
  ) {}

  get closed(): boolean {
    return this.inner.closed;
  }

  send(frame: Uint8Array): void {
    this.inner.send(frame);
  }

  /** A frame whose link delay was already waited for (a delay line's delivery): handed on as the inner connection takes it. */
  deliverArrived(frame: Uint8Array): void {
    if (deliversArrived(this.inner)) this.inner.deliverArrived(frame);
    else this.inner.send(frame);
  }

  close(code: number, reason: string): void {
    this.queueFrames.fill(undefined, this.queueHead, this.queueTail);
    this.queueHead = 0;
    this.queueTail = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.inner.close(code, reason);
  }

  bytesBuffered(): number {
    return this.inner.bytesBuffered();
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.inner.setHandlers({
      message: (frame) => this.arrived(frame),
      close: (code, reason) => {
        if (this.queueEmpty()) handlers.close(code, reason);
        else this.pendingClose = { code, reason };
      },
      drain: () => handlers.drain(),
    });
  }

  private queueEmpty(): boolean {
    return this.queueHead === this.queueTail;
  }

  private arrived(frame: Uint8Array): void {
    const nowMs = this.clock.nowMs();
    const work = this.workMs(frame, this.cpu.busyAt(nowMs));
    const afterMs = work.afterMs;
    const atMs = this.cpu.occupy(nowMs, work.beforeMs);
    this.cpu.occupy(atMs, afterMs);
    if (this.queueEmpty() && atMs <= nowMs) {
      this.handlers?.message(frame);
      return;
    }
    this.queueFrames[this.queueTail] = frame;
    this.queueAtMs[this.queueTail++] = atMs;
    this.schedule();
  }

  private schedule(): void {
    if (this.queueEmpty() || this.timer !== undefined) return;
    const atMs = this.queueAtMs[this.queueHead] as number;
    this.timer = this.clock.setTimer(Math.max(0, atMs - this.clock.nowMs()), this.timerFired);
  }

  /** The timer's callback, made once. */
  private readonly timerFired = (): void => {
    this.timer = undefined;
    this.flush();
  };

  /** The timer was set for the head: it is due even when `now` fell an ulp short of its time. */
  private flush(): void {
    const nowMs = this.clock.nowMs();
    const frames = this.queueFrames;
    let head = true;
    while (!this.queueEmpty() && (head || (this.queueAtMs[this.queueHead] as number) <= nowMs)) {
      head = false;
      const frame = frames[this.queueHead] as Uint8Array;
      frames[this.queueHead++] = undefined;
      this.handlers?.message(frame);
    }
    if (!this.queueEmpty()) {
      this.schedule();
      return;
    }
    this.queueHead = 0;
    this.queueTail = 0;
    if (this.pendingClose !== undefined) {
      const { code, reason } = this.pendingClose;
      this.pendingClose = undefined;
      this.handlers?.close(code, reason);
    }
  }
}

/** Every connection the listener accepts goes through `wrap`. */
export function wrapListener(listener: Listener, wrap: (connection: Connection) => Connection): Listener {
  return {
    onConnection: (accept) => listener.onConnection((connection) => accept(wrap(connection))),
    close: () => listener.close(),
  };
}

/** The replica's work on one incoming frame of `entries` entries: before its code has it, and after. */
export function replicaFrameWorkMs(
  costs: NodeCosts,
  durability: Durability,
  entries: number,
  /** The thread is still on earlier frames: their group commit takes these entries too. */
  joinsCommit = false,
): { beforeMs: number; afterMs: number } {
  return replicaFrameWork(costs, durability, entries, joinsCommit, { beforeMs: 0, afterMs: 0 });
}

/** replicaFrameWorkMs written into `into` (no object per frame); returns `into`. */
function replicaFrameWork(
  costs: NodeCosts,
  durability: Durability,
  entries: number,
  joinsCommit: boolean,
  into: { beforeMs: number; afterMs: number },
): { beforeMs: number; afterMs: number } {
  const replica = costs.replica;
  let beforeUs = replica.receiveFrameUs + replica.decodeFrameUs;
  let afterUs = replica.ackUs;
  if (entries > 0) {
    beforeUs += entries * (replica.decodeEntryUs + replica.applyEntryUs);
    afterUs += (joinsCommit ? 0 : replica.commitBatchUs[durability]) + entries * replica.commitEntryUs[durability];
  }
  into.beforeMs = beforeUs / 1000;
  into.afterMs = afterUs / 1000;
  return into;
}

/**
 * The modelled in-node time a lone entry spends between its commit and its apply at the replica
 * after `sendsBefore` other sends of its turn (no queueing): what every modelled cost adds to an idle
 * link's delay. `delayed`: the link has a delay (a timer delivers it; its send waits for no other
 * link's, so `sendsBefore` is 0 for it, and for a link without delay counts those without delay
 * before it).
 */
export function loneEntryCostMs(
  costs: NodeCosts,
  durability: Durability,
  sendsBefore: number,
  delayed: boolean,
): number {
  const inNodeUs = inNodeLoneEntryUs(costs, durability, sendsBefore);
  const pathUs = delayed ? costs.wakeUps?.delayedPathUs : costs.wakeUps?.pathUs;
  if (pathUs === undefined) return (inNodeUs + (delayed ? costs.timerLateUs : 0)) / 1000;
  // A drawn path (PrimaryLinkCosts.deliveryLateMs) at its median.
  return (inNodeUs + Math.max(0, drawFromQuantiles(pathUs, 0.5) - inNodeLoneEntryUs(costs, durability, 0))) / 1000;
}

/** What the per-part figures charge a lone entry at the primary and the replica, event-loop lateness aside (µs). */
function inNodeLoneEntryUs(costs: NodeCosts, durability: Durability, sendsBefore: number): number {
  const primary = costs.primary;
  const primaryUs =
    costs.eventLoopTurnUs +
    primary.commitBatchUs[durability] +
    primary.commitEntryUs[durability] +
    primary.encodeFrameUs +
    primary.encodeEntryUs +
    (sendsBefore + 1) * primary.sendFrameUs;
  return primaryUs + replicaFrameWorkMs(costs, durability, 1).beforeMs * 1000;
}

/**
 * The replica's thread as the prediction sees it (stats.ts `ReplicaQueue`): a frame that finds it
 * idle keeps it `headMs` longer (its group commit, which frames arriving meanwhile join), and every
 * frame of one entry takes `frameMs` of it (receive, decode, apply, a turn, its entry's commit, the ack).
 */
export function replicaQueueMs(costs: NodeCosts, durability: Durability): { headMs: number; frameMs: number } {
  const { beforeMs, afterMs } = replicaFrameWorkMs(costs, durability, 1, true);
  return { headMs: costs.replica.commitBatchUs[durability] / 1000, frameMs: beforeMs + afterMs };
}

/**
 * The figures built in: `meridian calibrate` on the machine Meridian was developed on (AMD EPYC,
 * 2 cpus, Linux, Node 20.20, load average 2.3 from other jobs; docs/experiments.md), except the
 * timer lateness, the mean of three runs (+354, +94 and −139 µs: it is noisy). Point
 * `simulation.costs` at your own machine's file.
 */
export const BUILTIN_NODE_COSTS: NodeCosts = {
  eventLoopTurnUs: 4.8,
  timerLateUs: 103,
  primary: {
    commitBatchUs: { none: 7, everysec: 16.5, always: 267.7 },
    commitEntryUs: { none: 3.2, everysec: 3.9, always: 4.3 },
    encodeFrameUs: 2.8,
    encodeEntryUs: 0.75,
    sendFrameUs: 18,
    receiveAckUs: 18.2,
  },
  replica: {
    receiveFrameUs: 59.7,
    decodeFrameUs: 2.6,
    decodeEntryUs: 0.18,
    applyEntryUs: 0.55,
    commitBatchUs: { none: 7, everysec: 16.5, always: 267.7 },
    commitEntryUs: { none: 3.2, everysec: 3.9, always: 4.3 },
    ackUs: 19.3,
  },
  client: { requestUs: 307.8, answerUs: 313.9 },
};

/** `jitter` shifted by `shiftMs`: every draw and the whole CDF later by that much. */
export function shiftedDistribution(jitter: Distribution, shiftMs: number): Distribution {
  if (shiftMs === 0) return jitter;
  return {
    kind: jitter.kind,
    sample: (random) => jitter.sample(random) + shiftMs,
    cdf: (x) => jitter.cdf(x - shiftMs),
    meanMs: jitter.meanMs + shiftMs,
  };
}
