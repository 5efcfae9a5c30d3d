import { SeededRandom } from '@meridian/lag';
import { ExperimentUnavailableError } from './experiment-errors.js';
import { faultLabel, type FaultSpec } from './faults.js';
import { checkLiveReads, type LiveRead, type LiveWrite } from './live-checks.js';
import type { LiveAnswer, LiveSubscription, LiveTopology } from './live.js';
import { type ExperimentOptions, type LiveProbeOptions, validateOptions } from './options.js';
import { Recorder } from './model/recorder.js';
import { Workload, writeIdOf } from './model/workload.js';

export const LIVE_PROBES_PER_SECOND_DEFAULT = 20;
export const LIVE_POLL_INTERVAL_MS_DEFAULT = 2;
/** Workload requests in flight at once; arrivals beyond it count as failed ("driver overloaded"). */
export const LIVE_REQUESTS_IN_FLIGHT_MAX = 1024;
/** After the workload: the longest live mode waits for answers, probes and replicas to catch up. */
export const LIVE_DRAIN_MS_MAX = 15_000;
/** Probe keys expire on their own so an attached topology is not left with them. */
const PROBE_TTL_MS = 600_000;
const SYNC_POLL_MS = 50;
/** The nodes' opt-in timing headers (packages/node/src/timing.ts): their own commit and apply times. */
const TIMING_HEADER = 'x-meridian-timing';
const COMMITTED_AT_HEADER = 'x-meridian-committed-at';
const APPLIED_AT_HEADER = 'x-meridian-applied-at';

/** One probe write: when it was sent (≈ its commit) and when each replica first served it. */
export interface LiveProbe {
  /** Send time relative to the start of the workload. */
  commitMs: number;
  /** The write was answered OK by the primary (failed probes are not measured). */
  ok: boolean;
  /**
   * Commit → applied per replica: the replica's apply time minus the primary's commit time, both
   * from the nodes' own clocks (timing headers; `wait` probes). Absent: not reported (never seen
   * before the deadline, or a node without timing headers).
   */
  lagMs: Map<string, number>;
  /**
   * The probe's own path per replica: its send to the arrival of the replica's answer (`wait`), or
   * the polls' midpoint (`poll`). Absent: never seen before the deadline.
   */
  probeLagMs: Map<string, number>;
}

/** Raw measurements of a live run; live-summary.ts turns them into the summary. */
export interface LiveOutcome {
  options: ExperimentOptions;
  probeOptions: LiveProbeOptions;
  regionNames: string[];
  replicaRegions: string[];
  recorder: Recorder;
  probes: LiveProbe[];
  /** Writes the primary acknowledged during the workload (workload and probes). */
  committedWrites: number;
  /** Workload start → end of the drain, in wall-clock ms. */
  totalMs: number;
  converged: { caughtUp: string[]; behind: string[] };
  digestChecks: number;
  guaranteeChecks: number;
  /** Set when the run was interrupted: requests were issued for `measuredMs` of `plannedMs`. */
  partial?: { measuredMs: number; plannedMs: number };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function errorText(answer: LiveAnswer): string {
  const body = answer.body as { error?: unknown } | null;
  const error = typeof body?.error === 'string' ? body.error : '';
  return `HTTP ${answer.status}${error === '' ? '' : ` ${error.slice(0, 60)}`}`;
}

/** A timing header's epoch-ms time (the nodes' clock); undefined when the node sent none. */
function timeHeader(answer: LiveAnswer, name: string): number | undefined {
  const text = answer.headers[name];
  const atMs = text === undefined ? Number.NaN : Number(text);
  return Number.isFinite(atMs) ? atMs : undefined;
}

function tokenOffset(token: string | undefined): { history: string; offset: number } | undefined {
  if (token === undefined) return undefined;
  const at = token.lastIndexOf(':');
  const offset = Number(token.slice(at + 1));
  return at > 0 && Number.isSafeInteger(offset) ? { history: token.slice(0, at), offset } : undefined;
}

/**
 * Drives the experiment's workload against real processes in real time: open-loop Poisson writes
 * and reads from clients placed in regions (each talks to its own region's node, with its
 * consistency level and, under `session`, its sync token), probe writes at the primary polled at
 * every replica, and the fault schedule through the admin endpoints and the supervisor.
 */
export class LiveRun {
  private readonly random: SeededRandom;
  private readonly workload: Workload;
  private readonly recorder: Recorder;
  private readonly probeOptions: LiveProbeOptions;
  private readonly primary: string;
  private readonly replicaNames: string[];
  private readonly regionNames: string[];
  private readonly probes: LiveProbe[] = [];
  private readonly writes: LiveWrite[] = [];
  private readonly reads: LiveRead[] = [];
  private readonly tracked = new Set<Promise<void>>();
  private readonly down = new Set<string>();
  private readonly runId: string;
  /** The channel the run publishes on; each region has one SSE subscriber to it. */
  private readonly channel: string;
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private readonly subscribedRegions: string[] = [];
  private unsubscribed = false;
  private lastDeliveryMs = 0;
  /** When the publisher got each message's OK answer (by message id). */
  private readonly publishAnsweredMs = new Map<number, number>();
  private history: string | undefined;
  private writeIds = 1;
  private workloadInFlight = 0;
  private committed = 0;
  private startMs = 0;
  private deadlineMs = Infinity;

  constructor(
    private readonly options: ExperimentOptions,
    private readonly live: LiveTopology,
  ) {
    const config = options.topology;
    this.random = new SeededRandom(options.seed);
    this.primary = config.primary;
    this.regionNames = config.regions.map((region) => region.name);
    this.replicaNames = this.regionNames.filter((name) => name !== config.primary);
    this.recorder = new Recorder(this.replicaNames, this.regionNames);
    this.workload = new Workload(options.workload, this.regionNames, {
      clients: this.random.fork('clients'),
      keys: this.random.fork('keys'),
      values: this.random.fork('values'),
    });
    this.probeOptions = {
      probesPerSecond: options.liveProbes?.probesPerSecond ?? LIVE_PROBES_PER_SECOND_DEFAULT,
      method: options.liveProbes?.method ?? 'wait',
      pollIntervalMs: options.liveProbes?.pollIntervalMs ?? LIVE_POLL_INTERVAL_MS_DEFAULT,
    };
    this.runId = `${options.seed}-${Math.floor(live.nowMs()).toString(36)}`;
    this.channel = `meridian:experiment:${this.runId}`;
  }

  /** Requests issued by the workload and the probes (progress). */
  private issued = 0;

  async run(): Promise<LiveOutcome> {
    this.checkRunnable();
    await this.waitInSync(this.live.nowMs() + Math.max(this.options.warmupMs, 10_000));
    await this.armTiming();
    await sleep(this.options.warmupMs);
    await this.subscribeAll();
    this.startMs = this.live.nowMs();
    const endMs = this.startMs + this.options.durationMs;
    this.deadlineMs = endMs + Math.min(this.options.drainMsMax, LIVE_DRAIN_MS_MAX);
    const faults = this.options.faults.map((fault) => this.scheduleFault(fault));
    const stoppedMs = await this.drive(endMs);
    await Promise.all(faults);
    await this.drain();
    await this.awaitDeliveries();
    this.unsubscribeAll();
    this.settleCommitTimes();
    const converged = await this.waitInSync(this.deadlineMs + 5_000);
    const digestChecks = await this.compareDigests(converged.caughtUp);
    const guaranteeChecks = checkLiveReads(this.writes, this.reads, this.recorder);
    const measuredMs = Math.max(1, Math.round(stoppedMs - this.startMs));
    const partial = stoppedMs < endMs ? { measuredMs, plannedMs: this.options.durationMs } : undefined;
    return {
      options: partial === undefined ? this.options : { ...this.options, durationMs: measuredMs },
      ...(partial === undefined ? {} : { partial }),
      probeOptions: this.probeOptions,
      regionNames: this.regionNames,
      replicaRegions: this.replicaNames,
      recorder: this.recorder,
      probes: this.probes,
      committedWrites: this.committed,
      totalMs: this.live.nowMs() - this.startMs,
      converged,
      digestChecks,
      guaranteeChecks,
    };
  }

  private checkRunnable(): void {
    validateOptions(this.options);
    const { probesPerSecond, pollIntervalMs } = this.probeOptions;
    if (!(probesPerSecond >= 0) || !(pollIntervalMs > 0)) {
      throw new ExperimentUnavailableError('liveProbes: probesPerSecond must be ≥ 0 and pollIntervalMs > 0');
    }
    for (const fault of this.options.faults) {
      if (fault.kind === 'stall') {
        throw new ExperimentUnavailableError(
          `${faultLabel(fault)}: live mode cannot stall a link (the nodes have no stall action); use partition or lag`,
        );
      }
      if ((fault.kind === 'replica-crash' || fault.kind === 'primary-crash') && this.live.supervised !== true) {
        throw new ExperimentUnavailableError(
          `${faultLabel(fault)}: crash faults need a topology the experiment launched itself (not --attach)`,
        );
      }
      if (fault.kind === 'replica-crash' && fault.region === this.primary) {
        throw new ExperimentUnavailableError(`replica-crash: ${fault.region} is the primary (use primary-crash)`);
      }
    }
  }

  /**
   * Open-loop arrivals until `endMs`, issued from a ~1 ms ticker (Poisson times, seeded); returns when it
   * stopped (earlier when `options.interrupt` fired: scheduled faults still run to their end).
   */
  private async drive(endMs: number): Promise<number> {
    const { writesPerSecond, readsPerSecond } = this.options.workload;
    const publishers = this.random.fork('publishers');
    const streams = [
      { perSecond: writesPerSecond, random: this.random.fork('arrivals:writes'), issue: () => this.issueWrite() },
      { perSecond: readsPerSecond, random: this.random.fork('arrivals:reads'), issue: () => this.issueRead() },
      {
        perSecond: this.subscribedRegions.length > 0 ? this.options.workload.publishesPerSecond : 0,
        random: this.random.fork('arrivals:publishes'),
        issue: () => this.issuePublish(publishers),
      },
      {
        perSecond: this.probeOptions.probesPerSecond,
        random: this.random.fork('arrivals:probes'),
        issue: () => this.issueProbe(),
      },
    ]
      .filter((stream) => stream.perSecond > 0)
      .map((stream) => ({
        ...stream,
        nextMs: this.startMs - (1000 / stream.perSecond) * Math.log(stream.random.nextOpen()),
      }));
    let reportedPercent = -1;
    for (;;) {
      const nowMs = this.live.nowMs();
      const percent = Math.min(100, Math.floor(((nowMs - this.startMs) / this.options.durationMs) * 100));
      if (percent > reportedPercent && this.options.progress !== undefined) {
        reportedPercent = percent;
        this.options.progress({
          simulatedMs: nowMs - this.startMs,
          totalMs: this.options.durationMs,
          eventsRun: this.issued,
        });
      }
      if (nowMs >= endMs) return endMs;
      if (this.options.interrupt?.aborted === true) return nowMs;
      let soonestMs = endMs;
      for (const stream of streams) {
        while (stream.nextMs <= nowMs && stream.nextMs < endMs) {
          stream.issue();
          this.issued++;
          stream.nextMs -= (1000 / stream.perSecond) * Math.log(stream.random.nextOpen());
        }
        soonestMs = Math.min(soonestMs, stream.nextMs);
      }
      await sleep(Math.min(soonestMs, endMs) - this.live.nowMs());
    }
  }

  private track(promise: Promise<void>, workload: boolean): void {
    if (workload) this.workloadInFlight++;
    const settled = promise.finally(() => {
      this.tracked.delete(settled);
      if (workload) this.workloadInFlight--;
    });
    this.tracked.add(settled);
  }

  /** A client talks to its own region; while that node is down (a crash fault), to the primary. */
  private entryFor(region: string): string {
    return this.down.has(region) ? this.primary : region;
  }

  private noteToken(token: string | undefined): number {
    const parsed = tokenOffset(token);
    if (parsed === undefined) return 0;
    this.history ??= parsed.history;
    return parsed.history === this.history ? parsed.offset : 0;
  }

  private issueWrite(): void {
    const client = this.workload.nextClient();
    const cell = this.recorder.write(client.region);
    cell.writes++;
    if (this.workloadInFlight >= LIVE_REQUESTS_IN_FLIGHT_MAX) {
      cell.failed++;
      this.recorder.failure('write: driver overloaded (too many requests in flight)');
      return;
    }
    const key = this.workload.nextKey();
    const writeId = this.writeIds++;
    const argv = ['SET', this.workload.keys[key] as string, this.workload.valueFor(writeId)];
    const startMs = this.live.nowMs();
    const failed = (reason: string): void => {
      cell.failed++;
      this.recorder.failure(`write: ${reason}`);
    };
    const sent = this.live.request(this.entryFor(client.region), argv, {}).then(
      (answer) => {
        const ackMs = this.live.nowMs();
        if (answer.status !== 200) return failed(errorText(answer));
        const offset = this.noteToken(answer.headers['upstash-sync-token']);
        this.committed++;
        cell.latenciesMs.push(ackMs - startMs);
        client.token = Math.max(client.token, offset);
        this.writes.push({ client, key, writeId, ackMs, offset });
      },
      () => failed('no answer (connection failed or timed out)'),
    );
    this.track(sent, true);
  }

  private issueRead(): void {
    const client = this.workload.nextClient();
    const cell = this.recorder.read(client.region, client.level);
    const failed = (reason: string): void => {
      cell.reads++;
      cell.failed++;
      this.recorder.failure(`read (${client.level}): ${reason}`);
    };
    if (this.workloadInFlight >= LIVE_REQUESTS_IN_FLIGHT_MAX)
      return failed('driver overloaded (too many requests in flight)');
    const key = this.workload.nextKey();
    const headers: Record<string, string> = { 'x-meridian-consistency': client.level };
    if (client.consistency.level === 'session' && this.history !== undefined && client.token > 0) {
      headers['upstash-sync-token'] = `${this.history}:${client.token}`;
    }
    const startMs = this.live.nowMs();
    const sent = this.live
      .request(this.entryFor(client.region), ['GET', this.workload.keys[key] as string], headers)
      .then(
        (answer) => {
          const endMs = this.live.nowMs();
          if (answer.status !== 200) return failed(errorText(answer));
          const result = (answer.body as { result?: unknown } | null)?.result;
          const writeId = result === null ? 0 : writeIdOf(result);
          if (writeId < 0) return failed('answer is not a value the workload wrote');
          client.token = Math.max(client.token, this.noteToken(answer.headers['upstash-sync-token']));
          const servedByPrimary = answer.headers['x-meridian-served-by'] === this.primary;
          this.reads.push({ client, key, writeId, startMs, endMs, servedByPrimary });
        },
        () => failed('no answer (connection failed or timed out)'),
      );
    this.track(sent, true);
  }

  /** One SSE subscriber per region (when the topology can subscribe and the workload publishes). */
  private async subscribeAll(): Promise<void> {
    if (this.live.subscribe === undefined || !(this.options.workload.publishesPerSecond > 0)) return;
    const results = await Promise.allSettled(this.regionNames.map((region) => this.subscribeAt(region)));
    for (const [i, result] of results.entries()) {
      const region = this.regionNames[i] as string;
      if (result.status === 'fulfilled') this.subscribedRegions.push(region);
      else this.recorder.failure(`pubsub subscriber at ${region}: ${errorMessage(result.reason)}`);
    }
  }

  private async subscribeAt(region: string): Promise<void> {
    const subscribe = this.live.subscribe?.bind(this.live);
    if (subscribe === undefined) return;
    const subscription = await subscribe(
      region,
      this.channel,
      (payload) => {
        const messageId = writeIdOf(payload);
        if (messageId <= 0) return;
        this.lastDeliveryMs = this.live.nowMs();
        this.recorder.delivered(region, messageId, this.lastDeliveryMs);
      },
      (reason) => {
        this.subscriptions.delete(region);
        if (this.unsubscribed) return;
        this.recorder.failure(`pubsub subscriber at ${region}: ${reason} (resubscribed when the node answers)`);
        this.track(this.resubscribe(region), false);
      },
    );
    if (this.unsubscribed) subscription.close();
    else this.subscriptions.set(region, subscription);
  }

  /** A crashed node drops its subscribers: subscribe again as soon as it is back (messages meanwhile are lost). */
  private async resubscribe(region: string): Promise<void> {
    while (!this.unsubscribed && this.live.nowMs() < this.deadlineMs) {
      await sleep(50);
      try {
        await this.subscribeAt(region);
        return;
      } catch {
        // still down: try again
      }
    }
  }

  private unsubscribeAll(): void {
    this.unsubscribed = true;
    for (const subscription of this.subscriptions.values()) subscription.close();
    this.subscriptions.clear();
  }

  /**
   * A PUBLISH from a workload client to its own region's node (a replica forwards it to the
   * primary); every region's subscriber should then receive it.
   */
  private issuePublish(publishers: SeededRandom): void {
    const client = this.workload.clientAt(publishers.next());
    const messageId = this.recorder.pubsub.issue(this.live.nowMs(), true);
    if (this.workloadInFlight >= LIVE_REQUESTS_IN_FLIGHT_MAX) {
      this.recorder.failure('publish: driver overloaded (too many requests in flight)');
      return;
    }
    const argv = ['PUBLISH', this.channel, `${messageId.toString(36)}:${client.region}`];
    const sent = this.live.request(this.entryFor(client.region), argv, {}).then(
      (answer) => {
        if (answer.status !== 200) return this.recorder.failure(`publish: ${errorText(answer)}`);
        this.publishAnsweredMs.set(messageId, this.live.nowMs());
      },
      () => this.recorder.failure('publish: no answer (connection failed or timed out)'),
    );
    this.track(sent, true);
  }

  /**
   * Waits until every subscriber received every message the primary took, or nothing has arrived
   * for a second (messages published while a node was down never will), or the deadline.
   */
  private async awaitDeliveries(): Promise<void> {
    const regions = this.subscribedRegions;
    const untilMs = Math.min(this.deadlineMs, this.live.nowMs() + 5_000);
    const missing = (): boolean =>
      [...this.publishAnsweredMs.keys()].some((id) =>
        // No message is final before its commit time is settled (after this wait): each is still open.
        regions.some((region) => Number.isNaN(this.recorder.pubsub.receivedAt(region, id))),
      );
    this.lastDeliveryMs = Math.max(this.lastDeliveryMs, this.live.nowMs());
    while (regions.length > 0 && missing()) {
      const nowMs = this.live.nowMs();
      if (nowMs >= untilMs || nowMs - this.lastDeliveryMs > 1_000) return;
      await sleep(20);
    }
  }

  /**
   * A live commit time is not observable from outside: the primary delivers to its own subscriber
   * while it runs the PUBLISH, so that receipt stands for the commit (the publisher's OK answer
   * when the primary's subscriber missed it).
   */
  private settleCommitTimes(): void {
    const pubsub = this.recorder.pubsub;
    for (const [messageId, answeredMs] of this.publishAnsweredMs) {
      const receivedMs = pubsub.receivedAt(this.primary, messageId);
      pubsub.committed(messageId, 0, Number.isNaN(receivedMs) ? answeredMs : Math.min(receivedMs, answeredMs));
    }
  }

  private issueProbe(): void {
    const index = this.probes.length;
    const key = `meridian:probe:${this.runId}:${index}`;
    const value = `probe:${index}`;
    const sentMs = this.live.nowMs();
    const probe: LiveProbe = { commitMs: sentMs - this.startMs, ok: true, lagMs: new Map(), probeLagMs: new Map() };
    this.probes.push(probe);
    const argv = ['SET', key, value, 'PX', String(PROBE_TTL_MS)];
    const write = this.live.request(this.primary, argv, { [TIMING_HEADER]: '1' }).then(
      (answer) => {
        if (answer.status !== 200) return this.probeFailed(probe, errorText(answer));
        this.committed++;
        const token = answer.headers['upstash-sync-token'];
        if (this.probeOptions.method !== 'wait' || token === undefined) return;
        const committedAtMs = timeHeader(answer, COMMITTED_AT_HEADER);
        for (const region of this.replicaNames) {
          this.track(this.awaitProbe(probe, region, key, token, { sentMs, committedAtMs }), false);
        }
      },
      () => this.probeFailed(probe, 'no answer (connection failed or timed out)'),
    );
    this.track(write, false);
    if (this.probeOptions.method !== 'poll') return;
    for (const region of this.replicaNames) this.track(this.poll(probe, region, key, value, sentMs), false);
  }

  /**
   * A `session` read carrying the probe's sync token: the replica holds it until it has applied
   * the write and answers then, with the time it applied it (timing header): minus the primary's
   * commit time, that is the lag by the nodes' clocks. The answer's arrival gives the probe-path
   * figure (within the loopback round trip). A read the replica handed to the primary (its wait ran
   * out) is repeated.
   */
  private async awaitProbe(
    probe: LiveProbe,
    region: string,
    key: string,
    token: string,
    times: { sentMs: number; committedAtMs: number | undefined },
  ): Promise<void> {
    const headers = { 'x-meridian-consistency': 'session', 'upstash-sync-token': token, [TIMING_HEADER]: '1' };
    while (this.live.nowMs() < this.deadlineMs) {
      try {
        const answer = await this.live.request(region, ['GET', key], headers);
        if (answer.status === 200 && answer.headers['x-meridian-served-by'] === region) {
          probe.probeLagMs.set(region, this.live.nowMs() - times.sentMs);
          const appliedAtMs = timeHeader(answer, APPLIED_AT_HEADER);
          if (appliedAtMs !== undefined && times.committedAtMs !== undefined) {
            probe.lagMs.set(region, appliedAtMs - times.committedAtMs);
          }
          return;
        }
      } catch {
        // the node is down or restarting: try again shortly
      }
      await sleep(20);
    }
  }

  /**
   * Asks every node for a time once, so each starts recording its commit or apply times (the
   * timing headers record nothing until asked). A node that does not answer is measured without.
   */
  private async armTiming(): Promise<void> {
    if (this.probeOptions.method !== 'wait' || !(this.probeOptions.probesPerSecond > 0)) return;
    const key = `meridian:probe:${this.runId}:timing`;
    await Promise.allSettled(
      this.regionNames.map((region) => this.live.request(region, ['GET', key], { [TIMING_HEADER]: '1' })),
    );
  }

  private probeFailed(probe: LiveProbe, reason: string): void {
    probe.ok = false;
    this.recorder.failure(`probe write: ${reason}`);
  }

  /**
   * Reads the probe at `region` until that region itself serves the value. It became visible
   * between the last read that did not see it and the first that did: the midpoint is the estimate.
   * The interval grows with the wait (2 % of it) so a partitioned region costs few reads.
   */
  private async poll(probe: LiveProbe, region: string, key: string, value: string, sentMs: number): Promise<void> {
    const { pollIntervalMs } = this.probeOptions;
    let unseenAtMs = sentMs;
    for (;;) {
      const askedMs = this.live.nowMs();
      if (askedMs > this.deadlineMs || !probe.ok) return;
      let informative = false;
      try {
        const answer = await this.live.request(region, ['GET', key], { 'x-meridian-consistency': 'eventual' });
        informative = answer.status === 200 && answer.headers['x-meridian-served-by'] === region;
        if (informative && (answer.body as { result?: unknown } | null)?.result === value) {
          probe.probeLagMs.set(region, (unseenAtMs + askedMs) / 2 - sentMs);
          return;
        }
      } catch {
        // the node is down or restarting: this read says nothing
      }
      if (informative) unseenAtMs = askedMs;
      const waitMs = Math.max(informative ? pollIntervalMs : 20, (askedMs - sentMs) / 50);
      await sleep(askedMs + waitMs - this.live.nowMs());
    }
  }

  private async scheduleFault(fault: FaultSpec): Promise<void> {
    await sleep(this.startMs + fault.atMs - this.live.nowMs());
    await this.applyFault(fault, true);
    if (fault.durationMs === undefined) return;
    await sleep(this.startMs + fault.atMs + fault.durationMs - this.live.nowMs());
    await this.applyFault(fault, false);
  }

  private async applyFault(fault: FaultSpec, start: boolean): Promise<void> {
    const live = this.live;
    try {
      switch (fault.kind) {
        case 'partition': {
          const [a, b] = fault.regions;
          await live.setLink(a, b, { partitioned: start });
          await live.setLink(b, a, { partitioned: start });
          return;
        }
        case 'lag': {
          const { partitioned: _ignored, ...link } = fault.link;
          await live.setLink(fault.from, fault.to, start ? link : {});
          if (fault.bothWays === true) await live.setLink(fault.to, fault.from, start ? link : {});
          return;
        }
        case 'replica-crash':
        case 'primary-crash': {
          const region = fault.kind === 'replica-crash' ? fault.region : this.primary;
          if (start) this.down.add(region);
          await (start ? live.crash(region) : live.restart(region));
          if (!start) this.down.delete(region);
          return;
        }
        case 'stall':
          throw new ExperimentUnavailableError('stall');
      }
    } catch (error) {
      this.recorder.failure(
        `fault ${faultLabel(fault)} (${start ? 'start' : 'end'}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Waits for every answer and probe, up to the deadline. */
  private async drain(): Promise<void> {
    while (this.tracked.size > 0 && this.live.nowMs() < this.deadlineMs) {
      await Promise.race([Promise.all([...this.tracked]), sleep(100)]);
    }
  }

  /** Waits until every replica has applied the primary's offset (or `untilMs`); says which did. */
  private async waitInSync(untilMs: number): Promise<{ caughtUp: string[]; behind: string[] }> {
    for (;;) {
      const statuses = await Promise.all(
        this.regionNames.map((region) => this.live.adminStatus(region).catch(() => undefined)),
      );
      const primaryOffset = statuses[this.regionNames.indexOf(this.primary)]?.appliedOffset;
      const caughtUp = this.replicaNames.filter((region) => {
        const status = statuses[this.regionNames.indexOf(region)];
        return primaryOffset !== undefined && status !== undefined && status.appliedOffset >= primaryOffset;
      });
      const behind = this.replicaNames.filter((region) => !caughtUp.includes(region));
      if (behind.length === 0 || this.live.nowMs() >= untilMs) return { caughtUp, behind };
      await sleep(SYNC_POLL_MS);
    }
  }

  /** Compares each caught-up replica's keyspace digest with the primary's at the same offset. */
  private async compareDigests(caughtUp: string[]): Promise<number> {
    const digest = this.live.digest?.bind(this.live);
    if (digest === undefined) return 0;
    const primary = await digest(this.primary).catch(() => undefined);
    if (primary === undefined) return 0;
    let checks = 0;
    for (const region of caughtUp) {
      const replica = await digest(region).catch(() => undefined);
      if (replica === undefined || replica.offset !== primary.offset) continue;
      checks++;
      if (replica.digest !== primary.digest) {
        this.recorder.failure(`digest: ${region} differs from the primary at offset ${primary.offset}`);
      }
    }
    return checks;
  }
}

/** Runs a live staleness experiment (see LiveRun). */
export function runLiveExperiment(options: ExperimentOptions, live: LiveTopology): Promise<LiveOutcome> {
  return new LiveRun(options, live).run();
}
