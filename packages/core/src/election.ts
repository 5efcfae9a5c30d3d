import type { Clock, TimerHandle } from '@meridian/lag';

/**
 * Automatic failover: which region is primary, decided by the regions themselves (docs/failover.md).
 *
 * Raft's leader election with a lease. Terms are Meridian's epochs. A replica that has not heard a
 * primary for the election timeout asks the others whether they would vote for it (a pre-vote, so a
 * region cut off and back does not disturb a healthy primary), then stands: it wins with the votes of
 * a majority, each given to at most one region per epoch and only to a region whose log is at least as
 * up to date as the voter's (the epoch of its last entry, then its offset), so the winner holds every
 * write a majority acknowledged. The primary takes writes only while it holds a lease: heartbeats a
 * majority acknowledged within the last `leaseMs`, shortened by the clock-drift bound. A region that
 * acknowledged a primary's heartbeat votes for nobody else for `leaseMs` after, so a new primary is
 * elected only once the old one's lease has run out: two primaries never both take writes.
 *
 * Pure state and messages on the Clock port: the node carries the messages over HTTP, the simulator
 * over modelled links, with the same code.
 */

/** Where a log ends: the epoch of its last entry, then the entry's offset. */
export interface LogPosition {
  readonly epoch: number;
  readonly offset: number;
}

/** > 0 when `a` is more up to date than `b`. */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.offset - b.offset;
}

export interface ElectionSettings {
  /** How often the primary sends heartbeats. */
  readonly heartbeatMs: number;
  /** How long a majority's acknowledgement of a heartbeat keeps the primary writable (before drift). */
  readonly leaseMs: number;
  /** How long a replica goes without a primary's heartbeat before it stands (≥ leaseMs). */
  readonly electionTimeoutMs: number;
  /** Bound on how far two regions' clock rates differ, as a fraction (0.01: 1%). */
  readonly clockDriftMax: number;
}

export const ELECTION_DEFAULTS: ElectionSettings = {
  heartbeatMs: 250,
  leaseMs: 2_000,
  electionTimeoutMs: 3_000,
  clockDriftMax: 0.01,
};

export type ElectionMessage =
  | { readonly t: 'heartbeat'; readonly term: number; readonly from: string; readonly sentAtMs: number }
  | {
      readonly t: 'heartbeat-ack';
      readonly term: number;
      readonly from: string;
      readonly sentAtMs: number;
      readonly ok: boolean;
    }
  | {
      readonly t: 'vote-request';
      readonly term: number;
      readonly from: string;
      readonly position: LogPosition;
      readonly preVote: boolean;
      /** A planned failover: the primary resigned, so voters need not wait out their lease promise. */
      readonly transfer?: boolean;
    }
  | {
      readonly t: 'vote';
      readonly term: number;
      readonly from: string;
      readonly granted: boolean;
      readonly preVote: boolean;
      /** A pre-vote refused by a region that is more up to date and may stand itself. */
      readonly ahead?: boolean;
    };

/** What must survive a restart, written before any vote is answered. */
export interface ElectionState {
  readonly term: number;
  readonly votedFor: string | undefined;
}

export type ElectionRole =
  | { readonly kind: 'primary'; readonly term: number }
  | { readonly kind: 'replica'; readonly term: number; readonly primary: string | undefined }
  | { readonly kind: 'candidate'; readonly term: number };

/** What happened, for logs, metrics and the failover experiment. */
export type ElectionEvent =
  | { readonly kind: 'primary-lost'; readonly term: number; readonly primary: string | undefined }
  | { readonly kind: 'standing'; readonly term: number }
  | { readonly kind: 'elected'; readonly term: number; readonly votes: number }
  | { readonly kind: 'lease-acquired'; readonly term: number }
  | { readonly kind: 'lease-lost'; readonly term: number }
  | { readonly kind: 'stepped-down'; readonly term: number; readonly primary: string | undefined };

export interface ElectionPorts {
  readonly clock: Clock;
  /** Sends a message to a region; its answer (if any) comes back through `receive`. */
  send(to: string, message: ElectionMessage): void;
  /** This region's log position now. */
  position(): LogPosition;
  /** Durably records term and vote; returns only once they would survive a crash. */
  persist(state: ElectionState): void;
  onRole(role: ElectionRole): void;
  onEvent?(event: ElectionEvent): void;
  /** Uniform in [0, 1): election timeouts are jittered so regions rarely stand at once. */
  random(): number;
}

export interface ElectionRegion {
  readonly name: string;
  /** 0: never primary. Higher stands sooner (regions.yaml `priority`, default 1). */
  readonly priority: number;
}

export interface ElectionOptions {
  readonly self: string;
  readonly regions: readonly ElectionRegion[];
  readonly settings?: Partial<ElectionSettings>;
  /** The persisted term and vote, and the region believed primary in that term (regions.yaml's at 0). */
  readonly initial: ElectionState & { readonly primary: string | undefined };
  readonly ports: ElectionPorts;
}

/** Raises on settings that would break the lease argument. */
export function checkElectionSettings(settings: ElectionSettings): string | undefined {
  const { heartbeatMs, leaseMs, electionTimeoutMs, clockDriftMax } = settings;
  if (!(heartbeatMs > 0)) return 'heartbeatMs must be above 0';
  if (!(leaseMs > heartbeatMs)) return 'leaseMs must be above heartbeatMs';
  if (!(electionTimeoutMs >= leaseMs)) return 'electionTimeoutMs must be at least leaseMs';
  if (!(clockDriftMax >= 0 && clockDriftMax < 0.5)) return 'clockDriftMax must be in [0, 0.5)';
  return undefined;
}

export class Election {
  private readonly settings: ElectionSettings;
  private readonly peers: string[];
  private readonly quorum: number;
  private readonly priority: number;
  private readonly priorityMax: number;
  private termValue: number;
  private votedFor: string | undefined;
  private roleKind: 'primary' | 'replica' | 'candidate' = 'replica';
  private primaryName: string | undefined;
  /**
   * The lease promise: until this local time the region votes for no one but the primary it last
   * heard (leaseMs after that primary's last heartbeat, and after the region's own start, since a
   * restarted region cannot know what it promised before).
   */
  private promiseUntilMs = -Infinity;
  /** Primary: per peer, the newest heartbeat send time it acknowledged in this term. */
  private readonly acked = new Map<string, number>();
  private leaseUntilMs = -Infinity;
  private leaseHeld = false;
  /** Primary: when it last held the lease (or became primary); without one for an election timeout, it steps down. */
  private leaseSeenMs = -Infinity;
  private leaseEverHeld = false;
  private votes = new Set<string>();
  private preVotes = new Set<string>();
  /** The pre-vote round: answers so far, whether a more up-to-date region answered, rounds given way in a row. */
  private preVoteAnswers = 0;
  private preVoteAhead = false;
  private preVoteDeadline = false;
  private roundsGivenWay = 0;
  private electionTimer: TimerHandle | undefined;
  private transferring = false;
  private heartbeatTimer: TimerHandle | undefined;
  private stopped = true;

  constructor(private readonly options: ElectionOptions) {
    this.settings = { ...ELECTION_DEFAULTS, ...options.settings };
    const problem = checkElectionSettings(this.settings);
    if (problem !== undefined) throw new RangeError(`election settings: ${problem}`);
    this.peers = options.regions.map((region) => region.name).filter((name) => name !== options.self);
    this.quorum = Math.floor(options.regions.length / 2) + 1;
    this.priority = options.regions.find((region) => region.name === options.self)?.priority ?? 0;
    this.priorityMax = Math.max(1, ...options.regions.map((region) => region.priority));
    this.termValue = options.initial.term;
    this.votedFor = options.initial.votedFor;
    this.primaryName = options.initial.primary;
    if (this.primaryName === options.self) this.roleKind = 'primary';
  }

  get term(): number {
    return this.termValue;
  }

  get primary(): string | undefined {
    return this.primaryName;
  }

  get role(): ElectionRole {
    if (this.roleKind === 'primary') return { kind: 'primary', term: this.termValue };
    if (this.roleKind === 'candidate') return { kind: 'candidate', term: this.termValue };
    return { kind: 'replica', term: this.termValue, primary: this.primaryName };
  }

  /** Whether this region may take writes now: primary, with a lease from a majority. */
  holdsLease(): boolean {
    if (this.roleKind !== 'primary') return false;
    if (this.quorum === 1) return true;
    return this.options.ports.clock.nowMs() < this.leaseUntilMs;
  }

  /** How long the lease has left (0 when none): a write path may wait this long at most. */
  leaseRemainingMs(): number {
    if (!this.holdsLease()) return 0;
    return this.quorum === 1 ? Infinity : this.leaseUntilMs - this.options.ports.clock.nowMs();
  }

  start(): void {
    this.stopped = false;
    this.promiseUntilMs = this.now() + this.settings.leaseMs;
    if (this.roleKind === 'primary') this.startHeartbeats();
    else this.armElectionTimer();
  }

  stop(): void {
    this.stopped = true;
    this.electionTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.electionTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  /** Handles a message from another region; returns the answer to send back, if any. */
  receive(message: ElectionMessage): ElectionMessage | undefined {
    if (this.stopped) return undefined;
    switch (message.t) {
      case 'heartbeat':
        return this.onHeartbeat(message);
      case 'heartbeat-ack':
        this.onHeartbeatAck(message);
        return undefined;
      case 'vote-request':
        return this.onVoteRequest(message);
      case 'vote':
        this.onVote(message);
        return undefined;
    }
  }

  private get self(): string {
    return this.options.self;
  }

  private now(): number {
    return this.options.ports.clock.nowMs();
  }

  private onHeartbeat(message: Extract<ElectionMessage, { t: 'heartbeat' }>): ElectionMessage {
    const refuse = { t: 'heartbeat-ack', term: this.termValue, from: this.self, sentAtMs: message.sentAtMs, ok: false };
    if (message.term < this.termValue || message.from === this.self) return refuse as ElectionMessage;
    // One primary per term: a heartbeat in this term from another region than its known primary is not obeyed.
    if (message.term === this.termValue && this.primaryName !== undefined && this.primaryName !== message.from)
      return refuse as ElectionMessage;
    if (message.term > this.termValue) this.adoptTerm(message.term);
    // One primary per term: a vote was given to it, or it is the term's only heartbeat sender.
    if (this.roleKind === 'primary' && message.from !== this.self) return refuse as ElectionMessage;
    this.promiseUntilMs = this.now() + this.settings.leaseMs;
    const changed = this.roleKind !== 'replica' || this.primaryName !== message.from;
    this.roleKind = 'replica';
    this.primaryName = message.from;
    this.preVotes.clear();
    this.armElectionTimer();
    if (changed) this.options.ports.onRole(this.role);
    return { t: 'heartbeat-ack', term: this.termValue, from: this.self, sentAtMs: message.sentAtMs, ok: true };
  }

  private onHeartbeatAck(message: Extract<ElectionMessage, { t: 'heartbeat-ack' }>): void {
    if (message.term > this.termValue) {
      this.adoptTerm(message.term);
      return;
    }
    if (this.roleKind !== 'primary' || message.term !== this.termValue || !message.ok) return;
    const previous = this.acked.get(message.from) ?? -Infinity;
    if (message.sentAtMs > previous) this.acked.set(message.from, message.sentAtMs);
    this.updateLease();
  }

  private onVoteRequest(message: Extract<ElectionMessage, { t: 'vote-request' }>): ElectionMessage {
    const answer = (granted: boolean): ElectionMessage => ({
      t: 'vote',
      term: this.termValue,
      from: this.self,
      granted,
      preVote: message.preVote,
    });
    if (message.term < this.termValue) return answer(false);
    // The lease promise: no vote for another region while the primary we heard may still hold its lease.
    const primaryAlive =
      (this.roleKind === 'primary' && (this.holdsLease() || this.quorum === 1)) ||
      (this.roleKind !== 'primary' &&
        this.primaryName !== message.from &&
        this.now() < this.promiseUntilMs &&
        message.transfer !== true);
    if (primaryAlive) return answer(false);
    const comparison = comparePositions(message.position, this.options.ports.position());
    const upToDate = comparison >= 0;
    if (message.preVote) {
      const granted = upToDate && message.term > this.termValue;
      return { ...answer(granted), ...(comparison < 0 && this.priority > 0 ? { ahead: true } : {}) };
    }
    if (message.term > this.termValue) this.adoptTerm(message.term);
    const free = this.votedFor === undefined || this.votedFor === message.from;
    if (!free || !upToDate) return answer(false);
    this.votedFor = message.from;
    this.options.ports.persist({ term: this.termValue, votedFor: this.votedFor });
    this.armElectionTimer();
    return answer(true);
  }

  private onVote(message: Extract<ElectionMessage, { t: 'vote' }>): void {
    if (message.term > this.termValue) {
      this.adoptTerm(message.term);
      return;
    }
    if (message.preVote) {
      if (this.roleKind !== 'replica' || this.preVotes.size === 0) return;
      this.preVoteAnswers++;
      if (message.granted) this.preVotes.add(message.from);
      else if (message.ahead === true) this.preVoteAhead = true;
      this.maybeStand();
      return;
    }
    if (!message.granted) return;
    if (this.roleKind !== 'candidate' || message.term !== this.termValue) return;
    this.votes.add(message.from);
    if (this.votes.size >= this.quorum) this.win();
  }

  /** A newer term seen: follow it (its primary unknown until its heartbeat), forget the vote. */
  private adoptTerm(term: number): void {
    const was = this.roleKind;
    this.termValue = term;
    this.votedFor = undefined;
    this.options.ports.persist({ term, votedFor: undefined });
    this.roleKind = 'replica';
    this.primaryName = undefined;
    this.votes.clear();
    this.preVotes.clear();
    this.setLease(false);
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = undefined;
    if (was !== 'replica') this.options.ports.onEvent?.({ kind: 'stepped-down', term, primary: undefined });
    this.options.ports.onRole(this.role);
    this.armElectionTimer();
  }

  private timeoutMs(): number {
    const { electionTimeoutMs } = this.settings;
    // Higher priority stands sooner; the jitter spreads equal priorities.
    const rank = (this.priorityMax - this.priority) / this.priorityMax;
    return electionTimeoutMs * (1 + 0.5 * rank + 0.5 * this.options.ports.random());
  }

  private armElectionTimer(): void {
    if (this.stopped) return;
    this.electionTimer?.cancel();
    this.electionTimer = this.options.ports.clock.setTimer(this.timeoutMs(), () => this.onElectionTimeout());
  }

  private onElectionTimeout(): void {
    this.electionTimer = undefined;
    if (this.stopped || this.roleKind === 'primary') return;
    if (this.priority <= 0) {
      this.armElectionTimer();
      return;
    }
    if (this.roleKind === 'replica' && this.primaryName !== undefined)
      this.options.ports.onEvent?.({ kind: 'primary-lost', term: this.termValue, primary: this.primaryName });
    // Pre-vote: would a majority vote for us in the next term? Nothing changes until it would.
    this.roleKind = 'replica';
    this.preVotes = new Set([this.self]);
    this.preVoteAnswers = 0;
    this.preVoteAhead = false;
    this.preVoteDeadline = false;
    const position = this.options.ports.position();
    if (this.preVotes.size >= this.quorum) this.stand();
    else {
      const round = this.preVotes;
      this.options.ports.clock.setTimer(this.settings.leaseMs / 4, () => {
        if (this.preVotes !== round) return;
        this.preVoteDeadline = true;
        this.maybeStand();
      });
      for (const peer of this.peers)
        this.options.ports.send(peer, {
          t: 'vote-request',
          term: this.termValue + 1,
          from: this.self,
          position,
          preVote: true,
        });
    }
    this.armElectionTimer();
  }

  /**
   * Stands once a majority would vote for us and every region answered (or the wait is over), unless a
   * more up-to-date region that may stand answered: it gives way, so the most up-to-date region that
   * can be reached wins (at most two rounds in a row, so one that cannot win does not block forever).
   */
  private maybeStand(): void {
    if (this.preVotes.size < this.quorum) return;
    if (this.preVoteAnswers < this.peers.length && !this.preVoteDeadline) return;
    if (this.preVoteAhead && this.roundsGivenWay < 2) {
      this.roundsGivenWay++;
      this.preVotes.clear();
      return;
    }
    this.roundsGivenWay = 0;
    this.stand();
  }

  private stand(): void {
    this.preVotes.clear();
    this.termValue += 1;
    this.votedFor = this.self;
    this.options.ports.persist({ term: this.termValue, votedFor: this.self });
    this.roleKind = 'candidate';
    this.primaryName = undefined;
    this.votes = new Set([this.self]);
    this.options.ports.onEvent?.({ kind: 'standing', term: this.termValue });
    this.options.ports.onRole(this.role);
    if (this.votes.size >= this.quorum) {
      this.win();
      return;
    }
    const position = this.options.ports.position();
    const transfer = this.transferring;
    this.transferring = false;
    for (const peer of this.peers)
      this.options.ports.send(peer, {
        t: 'vote-request',
        term: this.termValue,
        from: this.self,
        position,
        preVote: false,
        ...(transfer ? { transfer: true } : {}),
      });
    this.armElectionTimer();
  }

  /**
   * A planned failover's target stands at once, without a pre-vote. `transfer`: the primary has
   * resigned (and takes no writes), so voters need not wait out the lease they promised it.
   */
  standNow(transfer: boolean): void {
    if (this.stopped || this.roleKind === 'primary' || this.priority <= 0) return;
    this.transferring = transfer;
    this.stand();
  }

  /** A planned failover's old primary gives the role up at once (its lease ends with it). */
  resign(): void {
    if (this.roleKind === 'primary') this.stepDown();
  }

  private win(): void {
    this.roleKind = 'primary';
    this.primaryName = this.self;
    this.acked.clear();
    this.setLease(false);
    this.leaseUntilMs = -Infinity;
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    this.options.ports.onEvent?.({ kind: 'elected', term: this.termValue, votes: this.votes.size });
    this.options.ports.onRole(this.role);
    this.startHeartbeats();
  }

  private startHeartbeats(): void {
    this.heartbeatTimer?.cancel();
    this.leaseSeenMs = this.now();
    this.leaseEverHeld = false;
    const beat = (): void => {
      if (this.stopped || this.roleKind !== 'primary') return;
      // Only a primary that had a lease in this term and lost it steps down: one that never had one (its
      // regions still starting) keeps sending heartbeats until they answer.
      if (
        this.leaseEverHeld &&
        !this.holdsLease() &&
        this.now() - this.leaseSeenMs >= this.settings.electionTimeoutMs
      ) {
        this.stepDown();
        return;
      }
      const sentAtMs = this.now();
      for (const peer of this.peers)
        this.options.ports.send(peer, { t: 'heartbeat', term: this.termValue, from: this.self, sentAtMs });
      this.updateLease();
      this.heartbeatTimer = this.options.ports.clock.setTimer(this.settings.heartbeatMs, beat);
    };
    beat();
  }

  /**
   * A primary that has not had a majority's acknowledgements for an election timeout gives the role up
   * (Raft's check-quorum): when its heartbeats still reach the others but their answers do not reach
   * it, they stay loyal, and only its silence lets them elect another.
   */
  private stepDown(): void {
    this.roleKind = 'replica';
    this.primaryName = undefined;
    this.heartbeatTimer = undefined;
    this.setLease(false);
    this.options.ports.onEvent?.({ kind: 'stepped-down', term: this.termValue, primary: undefined });
    this.options.ports.onRole(this.role);
    this.armElectionTimer();
  }

  /** The lease runs from the send time of the newest heartbeat a majority (with us) acknowledged. */
  private updateLease(): void {
    if (this.quorum === 1) {
      this.setLease(true);
      this.leaseSeenMs = this.now();
      return;
    }
    const times = [...this.acked.values()].sort((a, b) => b - a);
    const needed = this.quorum - 1;
    if (times.length >= needed) {
      const { leaseMs, clockDriftMax } = this.settings;
      const start = times[needed - 1] as number;
      // On our clock, short enough that every voter's promise (leaseMs on its clock) outlasts it.
      this.leaseUntilMs = Math.max(this.leaseUntilMs, start + (leaseMs * (1 - clockDriftMax)) / (1 + clockDriftMax));
    }
    this.setLease(this.now() < this.leaseUntilMs);
    if (this.leaseHeld) {
      this.leaseSeenMs = this.now();
      this.leaseEverHeld = true;
    }
  }

  private setLease(held: boolean): void {
    if (held === this.leaseHeld) return;
    this.leaseHeld = held;
    this.options.ports.onEvent?.({ kind: held ? 'lease-acquired' : 'lease-lost', term: this.termValue });
  }
}
