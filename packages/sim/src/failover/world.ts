import { Election, type ElectionEvent, type ElectionMessage, type LogPosition } from '@meridian/core';
import { digestKeyspace, Engine } from '@meridian/engine';
import type { Clock, SeededRandom, TimerHandle, VirtualClock } from '@meridian/lag';
import type { ElectionSettings } from '@meridian/core';

/**
 * The failover model: every region runs core's Election on its own (skewable) clock; the primary
 * appends client writes to a log whose entries carry their epoch and ships them to the others, which
 * resume where their log matches (same epoch at the same offset) and are fully resynced where it does
 * not. Crashes keep the log and the vote (they are durable) and lose the rest; pauses stop a region's
 * timers and messages; partitions drop messages, per direction.
 */

export interface LogRecord {
  readonly epoch: number;
  readonly offset: number;
  /** The effects that reproduce the write; empty for the epoch's opening marker. */
  readonly effects: readonly (readonly string[])[];
  /** The client write it carries (0: the marker a new primary opens its epoch with). */
  readonly writeId: number;
}

export type Durability = 'none' | 'majority';

/** What a region answers a client. */
export type NodeAnswer =
  | { kind: 'ok'; value?: string | null; epoch?: number; offset?: number }
  | { kind: 'not-primary'; primary: string | undefined }
  | { kind: 'noreplicas' }
  | { kind: 'token-lost' };

/** Primary-side facts the checkers read: who accepted a write, when, in which epoch. */
export interface WorldObserver {
  accepted(region: string, epoch: number, realMs: number): void;
  elected(region: string, epoch: number, realMs: number): void;
  event(region: string, event: ElectionEvent, realMs: number): void;
  diverged(region: string, discarded: number): void;
}

type ReplicationMessage =
  | { t: 'append'; term: number; from: string; prevOffset: number; prevEpoch: number; entries: LogRecord[] }
  | { t: 'probe'; term: number; from: string }
  | { t: 'probe-answer'; term: number; from: string; offset: number; epoch: number }
  | { t: 'snapshot'; term: number; from: string; log: LogRecord[] }
  | { t: 'append-ack'; term: number; from: string; offset: number; ok: boolean };

type WireMessage =
  { kind: 'election'; message: ElectionMessage } | { kind: 'replication'; message: ReplicationMessage };

/**
 * A region's monotonic clock (what leases and timers run on): real time at the region's own rate.
 * Wall-clock steps do not reach it, as they do not reach a process's monotonic clock.
 */
class RegionClock implements Clock {
  rate = 1;
  private baseReal = 0;
  private baseLocal = 0;

  constructor(
    private readonly real: VirtualClock,
    private readonly node: FailoverNode,
  ) {}

  nowMs(): number {
    return this.baseLocal + (this.real.nowMs() - this.baseReal) * this.rate;
  }

  /** Runs at `rate` × real time from now on (the local time stays continuous). */
  skew(rate: number): void {
    this.baseLocal = this.nowMs();
    this.baseReal = this.real.nowMs();
    this.rate = rate;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const incarnation = this.node.incarnation;
    return this.real.setTimer(Math.max(0, delayMs) / this.rate, () => this.node.run(incarnation, callback));
  }
}

export interface WorldOptions {
  readonly regions: readonly { readonly name: string; readonly priority: number }[];
  readonly primary: string;
  readonly delayMs: (from: string, to: string) => number;
  readonly settings: ElectionSettings;
  /** How long a majority write or a strong read waits for acknowledgements. */
  readonly commitWaitMs: number;
}

export class FailoverWorld {
  readonly nodes = new Map<string, FailoverNode>();
  /** Directed pairs `from>to` whose messages are dropped. */
  readonly blocked = new Set<string>();
  /** Per directed link, when its last message arrives (links are ordered, as TCP is). */
  private readonly linkFreeAt = new Map<string, number>();

  constructor(
    readonly clock: VirtualClock,
    readonly random: SeededRandom,
    readonly options: WorldOptions,
    readonly observer: WorldObserver,
  ) {
    for (const region of options.regions) this.nodes.set(region.name, new FailoverNode(region.name, this));
  }

  node(name: string): FailoverNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new RangeError(`no region ${name}`);
    return node;
  }

  start(): void {
    for (const node of this.nodes.values()) node.boot();
  }

  /** Carries a message over the modelled link; dropped when the link is cut at either end of its trip. */
  send(from: string, to: string, message: WireMessage): void {
    const key = `${from}>${to}`;
    if (this.blocked.has(key)) return;
    const now = this.clock.nowMs();
    const jitter = this.random.next() * 2;
    const at = Math.max(now + this.options.delayMs(from, to) + jitter, this.linkFreeAt.get(key) ?? 0);
    this.linkFreeAt.set(key, at);
    const target = this.node(to);
    const incarnation = target.incarnation;
    this.clock.setTimer(at - now, () => {
      if (this.blocked.has(key)) return;
      target.run(incarnation, () => target.deliver(from, message));
    });
  }

  /** A client's request to a region, answered over the same kind of link; undefined answer: lost. */
  request(
    clientRegion: string,
    to: string,
    act: (node: FailoverNode, reply: (answer: NodeAnswer) => void) => void,
    onAnswer: (answer: NodeAnswer) => void,
  ): void {
    const there = this.options.delayMs(clientRegion, to);
    const cut = (from: string, target: string): boolean => from !== target && this.blocked.has(`${from}>${target}`);
    if (cut(clientRegion, to)) return;
    const target = this.node(to);
    const incarnation = target.incarnation;
    this.clock.setTimer(there, () =>
      target.run(incarnation, () =>
        act(target, (answer) => {
          if (cut(to, clientRegion)) return;
          this.clock.setTimer(this.options.delayMs(to, clientRegion), () => onAnswer(answer));
        }),
      ),
    );
  }
}

interface Waiter {
  offset: number;
  resolve: (committed: boolean) => void;
  timer: TimerHandle;
}

/** One region: election, log, engine, and the primary's or the replica's side of replication. */
export class FailoverNode {
  up = true;
  paused = false;
  incarnation = 0;
  readonly clock: RegionClock;
  /** Durable: survives a crash. */
  log: LogRecord[] = [];
  private persisted: { term: number; votedFor: string | undefined } = { term: 0, votedFor: undefined };
  engine: Engine = FailoverNode.newEngine();
  election: Election | undefined;
  /** Work that arrived while paused, run in order on resume. */
  private deferred: (() => void)[] = [];
  /** Primary: per replica, the offset up to which its log matches ours (undefined: not yet probed). */
  private match = new Map<string, number>();
  private waiters: Waiter[] = [];
  private epochStartOffset = 0;
  /** Discarded entries this region's tail lost to full resyncs. */
  discarded = 0;

  constructor(
    readonly name: string,
    private readonly world: FailoverWorld,
  ) {
    this.clock = new RegionClock(world.clock, this);
  }

  private static newEngine(): Engine {
    return new Engine({ role: 'primary', random: () => 0.5 });
  }

  /** Runs `work` if this incarnation is still up; while paused, holds it for the resume. */
  run(incarnation: number, work: () => void): void {
    if (!this.up || incarnation !== this.incarnation) return;
    if (this.paused) this.deferred.push(work);
    else work();
  }

  get realNow(): number {
    return this.world.clock.nowMs();
  }

  lastOffset(): number {
    return this.log.length;
  }

  position(): LogPosition {
    const last = this.log[this.log.length - 1];
    return { epoch: last?.epoch ?? 0, offset: this.log.length };
  }

  boot(): void {
    this.incarnation++;
    this.up = true;
    this.paused = false;
    this.deferred = [];
    this.match.clear();
    for (const waiter of this.waiters) waiter.timer.cancel();
    this.waiters = [];
    this.rebuildEngine();
    const { options } = this.world;
    const initialPrimary = this.persisted.term === 0 ? options.primary : undefined;
    this.election = new Election({
      self: this.name,
      regions: options.regions,
      settings: options.settings,
      initial: { ...this.persisted, primary: initialPrimary },
      ports: {
        clock: this.clock,
        send: (to, message) => this.world.send(this.name, to, { kind: 'election', message }),
        position: () => this.position(),
        persist: (state) => {
          this.persisted = { ...state };
        },
        onRole: (role) => {
          if (role.kind === 'primary') this.becomePrimary(role.term);
        },
        onEvent: (event) => this.world.observer.event(this.name, event, this.realNow),
        random: this.world.random.fork(`${this.name}:${this.incarnation}`).asFunction(),
      },
    });
    if (initialPrimary === this.name) this.becomePrimary(0);
    this.election.start();
    const tick = (): void => {
      if (this.election?.role.kind === 'primary') this.shipAll();
      this.clock.setTimer(options.settings.heartbeatMs, tick);
    };
    this.clock.setTimer(options.settings.heartbeatMs, tick);
  }

  crash(): void {
    this.up = false;
    this.election?.stop();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const work = this.deferred;
    this.deferred = [];
    for (const item of work) if (this.up && !this.paused) item();
  }

  private rebuildEngine(): void {
    this.engine = FailoverNode.newEngine();
    for (const record of this.log) this.engine.applyEffects(record.effects as string[][], 0);
  }

  private becomePrimary(term: number): void {
    this.match.clear();
    this.world.observer.elected(this.name, term, this.realNow);
    if (term > 0) {
      // The epoch opens with a marker: acknowledgements count toward commit only once they reach it
      // (Raft commits a previous term's entries only through one of its own).
      this.log.push({ epoch: term, offset: this.log.length + 1, effects: [], writeId: 0 });
    }
    this.epochStartOffset = this.log.length;
    this.shipAll();
  }

  deliver(from: string, wire: WireMessage): void {
    const election = this.election;
    if (election === undefined) return;
    if (wire.kind === 'election') {
      const answer = election.receive(wire.message);
      if (answer !== undefined) this.world.send(this.name, from, { kind: 'election', message: answer });
      return;
    }
    this.onReplication(from, wire.message);
  }

  // ---- the primary's side ----

  /** The offset a majority (with us) holds in this epoch; 0 until they hold the epoch's marker. */
  commitOffset(): number {
    const offsets = [this.log.length, ...this.match.values()].sort((a, b) => b - a);
    const quorum = Math.floor(this.world.options.regions.length / 2) + 1;
    const committed = offsets.length >= quorum ? (offsets[quorum - 1] as number) : 0;
    return committed >= this.epochStartOffset ? committed : 0;
  }

  private isPrimary(): boolean {
    return this.election?.role.kind === 'primary';
  }

  private shipAll(): void {
    for (const peer of this.world.nodes.keys()) if (peer !== this.name) this.ship(peer);
  }

  private ship(peer: string): void {
    const term = this.election?.term ?? 0;
    const matched = this.match.get(peer);
    if (matched === undefined) {
      this.world.send(this.name, peer, { kind: 'replication', message: { t: 'probe', term, from: this.name } });
      return;
    }
    if (matched >= this.log.length) return;
    const entries = this.log.slice(matched, matched + 200);
    this.world.send(this.name, peer, {
      kind: 'replication',
      message: {
        t: 'append',
        term,
        from: this.name,
        prevOffset: matched,
        prevEpoch: this.log[matched - 1]?.epoch ?? 0,
        entries,
      },
    });
  }

  private settle(): void {
    const committed = this.commitOffset();
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.offset <= committed) {
        waiter.timer.cancel();
        waiter.resolve(true);
      } else still.push(waiter);
    }
    this.waiters = still;
  }

  private waitCommit(offset: number, done: (committed: boolean) => void): void {
    if (offset <= this.commitOffset()) {
      done(true);
      return;
    }
    const waiter: Waiter = {
      offset,
      resolve: done,
      timer: this.clock.setTimer(this.world.options.commitWaitMs, () => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        done(false);
      }),
    };
    this.waiters.push(waiter);
  }

  /** SET key value, taken only under the lease; `majority` answers once a majority holds it. */
  write(
    key: string,
    value: string,
    writeId: number,
    durability: Durability,
    reply: (answer: NodeAnswer) => void,
  ): void {
    const election = this.election;
    if (election === undefined || !election.holdsLease()) {
      reply({ kind: 'not-primary', primary: election?.primary === this.name ? undefined : election?.primary });
      return;
    }
    const { effects } = this.engine.execute(['SET', key, value], this.clock.nowMs());
    const record: LogRecord = { epoch: election.term, offset: this.log.length + 1, effects, writeId };
    this.log.push(record);
    this.world.observer.accepted(this.name, election.term, this.realNow);
    this.shipAll();
    const answer: NodeAnswer = { kind: 'ok', epoch: record.epoch, offset: record.offset };
    if (durability === 'none') reply(answer);
    else this.waitCommit(record.offset, (committed) => reply(committed ? answer : { kind: 'noreplicas' }));
  }

  /** A strong read: under the lease, answered once a majority holds everything it could see (a read index). */
  strongRead(key: string, reply: (answer: NodeAnswer) => void): void {
    const election = this.election;
    if (election === undefined || !election.holdsLease()) {
      reply({ kind: 'not-primary', primary: election?.primary === this.name ? undefined : election?.primary });
      return;
    }
    const value = this.readValue(key);
    this.waitCommit(this.log.length, (committed) => reply(committed ? { kind: 'ok', value } : { kind: 'noreplicas' }));
  }

  /**
   * A session read with the client's token (the epoch and offset of its last write): served here when
   * this log holds that entry, else by the primary, which says when the write did not survive.
   */
  sessionRead(
    key: string,
    token: { epoch: number; offset: number } | undefined,
    reply: (answer: NodeAnswer) => void,
  ): void {
    if (token === undefined || this.log[token.offset - 1]?.epoch === token.epoch) {
      reply({ kind: 'ok', value: this.readValue(key) });
      return;
    }
    const election = this.election;
    if (election === undefined || !election.holdsLease()) {
      reply({ kind: 'not-primary', primary: election?.primary === this.name ? undefined : election?.primary });
      return;
    }
    // The primary's log is final for every epoch before its own: the entry is not there, so it was lost.
    reply(token.epoch < election.term ? { kind: 'token-lost' } : { kind: 'not-primary', primary: undefined });
  }

  private readValue(key: string): string | null {
    const { reply } = this.engine.execute(['GET', key], this.clock.nowMs());
    return typeof reply === 'string' ? reply : null;
  }

  digest(): string {
    return digestKeyspace(this.engine.db);
  }

  // ---- replication messages ----

  private onReplication(from: string, message: ReplicationMessage): void {
    const election = this.election;
    if (election === undefined) return;
    if (message.t === 'append-ack' || message.t === 'probe-answer') {
      if (this.isPrimary() && message.term === election.term) this.onReplicaAnswer(from, message, election.term);
      return;
    }
    const reply = (answer: ReplicationMessage): void =>
      this.world.send(this.name, from, { kind: 'replication', message: answer });
    // A replica takes entries only from its term's primary.
    const current = message.term === election.term && election.primary === from && !this.isPrimary();
    if (!current) {
      if (message.t !== 'snapshot')
        reply({ t: 'append-ack', term: election.term, from: this.name, offset: 0, ok: false });
      return;
    }
    if (message.t === 'probe') {
      const last = this.log[this.log.length - 1];
      reply({
        t: 'probe-answer',
        term: message.term,
        from: this.name,
        offset: this.log.length,
        epoch: last?.epoch ?? 0,
      });
    } else if (message.t === 'snapshot') {
      this.loadLog(message.log);
      reply({ t: 'append-ack', term: message.term, from: this.name, offset: this.log.length, ok: true });
    } else {
      const matched = this.append(message);
      reply({ t: 'append-ack', term: message.term, from: this.name, offset: matched ?? 0, ok: matched !== undefined });
    }
  }

  /** The primary's side: a replica's probe answer (resume or replace its log) or its acknowledgement. */
  private onReplicaAnswer(
    from: string,
    message: Extract<ReplicationMessage, { t: 'append-ack' | 'probe-answer' }>,
    term: number,
  ): void {
    if (message.t === 'probe-answer') {
      // Resume where the logs match (same epoch at the same offset), else replace the replica's log.
      const ours = this.log[message.offset - 1];
      if (message.offset <= this.log.length && (message.offset === 0 || ours?.epoch === message.epoch)) {
        this.match.set(from, message.offset);
        this.ship(from);
      } else {
        this.world.send(this.name, from, {
          kind: 'replication',
          message: { t: 'snapshot', term, from: this.name, log: [...this.log] },
        });
      }
      return;
    }
    if (!message.ok) {
      this.match.delete(from);
      this.ship(from);
      return;
    }
    if (message.offset > (this.match.get(from) ?? -1)) this.match.set(from, message.offset);
    this.settle();
    this.ship(from);
  }

  /** A full resync: the primary's log replaces ours; the tail it lacked is counted as discarded. */
  private loadLog(log: readonly LogRecord[]): void {
    let common = 0;
    while (common < this.log.length && common < log.length && this.log[common]?.epoch === log[common]?.epoch) common++;
    const lost = this.log.length - common;
    if (lost > 0) {
      this.discarded += lost;
      this.world.observer.diverged(this.name, lost);
    }
    this.log = [...log];
    this.rebuildEngine();
  }

  /**
   * Appends the primary's entries where our log matches its at `prevOffset` (a tail of an older epoch
   * is dropped); returns the offset up to which our log now matches the primary's, undefined when it
   * does not match at `prevOffset`.
   */
  private append(message: Extract<ReplicationMessage, { t: 'append' }>): number | undefined {
    const { prevOffset, prevEpoch, entries } = message;
    if (prevOffset > this.log.length || (prevOffset > 0 && this.log[prevOffset - 1]?.epoch !== prevEpoch))
      return undefined;
    let rebuilt = false;
    for (const entry of entries) {
      const held = this.log[entry.offset - 1];
      if (held !== undefined) {
        if (held.epoch === entry.epoch) continue;
        const lost = this.log.length - entry.offset + 1;
        this.discarded += lost;
        this.world.observer.diverged(this.name, lost);
        this.log.length = entry.offset - 1;
        rebuilt = true;
      }
      this.log.push(entry);
      if (!rebuilt) this.engine.applyEffects(entry.effects as string[][], 0);
    }
    if (rebuilt) this.rebuildEngine();
    // Up to the last entry it sent: a longer tail of ours is not known to match.
    return entries.length > 0 ? (entries[entries.length - 1] as LogRecord).offset : prevOffset;
  }
}
