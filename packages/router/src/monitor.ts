import type { Clock, TimerHandle } from '@meridian/lag';
import { type RegionClient, readAnswer } from './region-client.js';
import type { RegionState } from './route.js';

/** One region as the router last saw it through `/_meridian/status`. */
export interface RegionView extends RegionState {
  readonly url: string;
  /** The role the node reports; after a failover the newest epoch's primary takes the writes. */
  readonly role: string | undefined;
  /** The failover epoch the node reports (undefined before its first answer). */
  readonly epoch: number | undefined;
  readonly primaryOffset: number | undefined;
  readonly lagOffsets: number | undefined;
  /** When the last poll answered, ms since the epoch; undefined before the first answer. */
  readonly checkedAtMs: number | undefined;
  /** Why the region is unhealthy, when it is. */
  readonly error: string | undefined;
}

export interface MonitoredRegion {
  readonly name: string;
  readonly url: string;
  readonly isPrimary: boolean;
}

export interface RegionMonitorOptions {
  readonly regions: readonly MonitoredRegion[];
  /** Sent as a bearer token to /_meridian/status; without one only /_meridian/health is polled. */
  readonly statusToken: string | undefined;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  /** How polls reach the regions (node:http in the router process). */
  readonly client: RegionClient;
  /** Poll timers and `checkedAtMs`. */
  readonly clock: Clock;
}

const STATUS_BYTES_MAX = 1024 * 1024;
/** Polls in a row a healthy region may leave unanswered (timed out) before it counts as down. */
const SLOW_POLLS_TOLERATED = 1;
const NO_BODY = new Uint8Array(0);

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function readStatus(region: MonitoredRegion, text: string): Partial<RegionView> {
  const body = JSON.parse(text) as Record<string, unknown>;
  const offsets = (body['offsets'] ?? {}) as Record<string, unknown>;
  const appliedOffset = numberField(body['appliedOffset']) ?? numberField(offsets['applied']) ?? 0;
  const primaryOffset = numberField(body['primaryOffset']);
  const reported = numberField(body['stalenessMs']);
  // A replica that does not report staleness is treated as too stale for any bound.
  const stalenessMs = reported ?? (body['role'] === 'primary' ? 0 : Number.POSITIVE_INFINITY);
  return {
    healthy: body['ready'] !== false && body['healthy'] !== false,
    role: typeof body['role'] === 'string' ? body['role'] : undefined,
    epoch: numberField(body['epoch']) ?? 0,
    appliedOffset,
    primaryOffset,
    lagOffsets:
      numberField(body['lagOffsets']) ??
      (primaryOffset === undefined ? undefined : Math.max(0, primaryOffset - appliedOffset)),
    stalenessMs,
  };
}

/** Polls every region's status on a timer (never two polls of one region at once). */
export class RegionMonitor {
  private readonly views = new Map<string, RegionView>();
  private readonly inFlight = new Set<string>();
  /** Polls in a row that got no answer in time, per region. */
  private readonly slowPolls = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly options: RegionMonitorOptions) {
    for (const region of options.regions) {
      this.views.set(region.name, {
        ...region,
        healthy: false,
        stalenessMs: region.isPrimary ? 0 : Number.POSITIVE_INFINITY,
        appliedOffset: 0,
        role: undefined,
        epoch: undefined,
        primaryOffset: undefined,
        lagOffsets: undefined,
        checkedAtMs: undefined,
        error: 'not checked yet',
      });
    }
  }

  /** Polls once now, then every pollIntervalMs. Resolves after the first round. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.pollAll();
    const tick = (): void => {
      if (this.stopped) return;
      this.timer = this.options.clock.setTimer(this.options.pollIntervalMs, () => void this.pollAll().finally(tick));
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  view(name: string): RegionView | undefined {
    return this.views.get(name);
  }

  all(): RegionView[] {
    return this.options.regions.map((region) => this.views.get(region.name) as RegionView);
  }

  /**
   * Writes go to the primary of the newest epoch any region reports (a failover promoted it);
   * before any region reports a role, to the regions.yaml primary.
   */
  private followPrimary(): void {
    let chosen: RegionView | undefined;
    for (const region of this.options.regions) {
      const view = this.views.get(region.name) as RegionView;
      if (view.role !== 'primary') continue;
      const epoch = view.epoch ?? 0;
      const best = chosen?.epoch ?? 0;
      // Same epoch: the regions.yaml primary first (before any failover every node says epoch 0).
      if (chosen === undefined || epoch > best || (epoch === best && region.isPrimary)) chosen = view;
    }
    if (chosen === undefined) return;
    for (const [name, view] of this.views) {
      const isPrimary = name === chosen.name;
      if (view.isPrimary !== isPrimary) {
        this.views.set(name, { ...view, isPrimary, ...(isPrimary ? { stalenessMs: 0 } : {}) });
      }
    }
  }

  /** The region writes go to now. */
  primary(): RegionView | undefined {
    for (const view of this.views.values()) if (view.isPrimary) return view;
    return undefined;
  }

  /** A forward failed to connect: skip the region until a poll says it is back. */
  markDown(name: string, error: string): void {
    const view = this.views.get(name);
    if (view !== undefined) this.views.set(name, { ...view, healthy: false, error });
  }

  pollAll(): Promise<void> {
    return Promise.all(this.options.regions.map((region) => this.poll(region))).then(() => undefined);
  }

  private async poll(region: MonitoredRegion): Promise<void> {
    if (this.inFlight.has(region.name)) return;
    this.inFlight.add(region.name);
    const { statusToken, pollTimeoutMs, client, clock } = this.options;
    const path = statusToken === undefined ? '/_meridian/health' : '/_meridian/status';
    try {
      const result = await client.send(region.url, {
        method: 'GET',
        path,
        headers: statusToken === undefined ? {} : { authorization: `Bearer ${statusToken}` },
        body: NO_BODY,
        timeoutMs: pollTimeoutMs,
      });
      const previous = this.views.get(region.name) as RegionView;
      if (result.kind === 'failed') {
        // One slow answer (a node busy with one big request) is not an outage: a region that does
        // answer, only late, turns unhealthy at the second slow poll in a row. Refused connections count at once.
        const slow = (this.slowPolls.get(region.name) ?? 0) + 1;
        this.slowPolls.set(region.name, result.timedOut ? slow : SLOW_POLLS_TOLERATED + 1);
        if (result.timedOut && slow <= SLOW_POLLS_TOLERATED && previous.healthy) return;
        this.views.set(region.name, {
          ...previous,
          healthy: false,
          error: `cannot reach ${region.url}: ${result.error}`,
        });
        return;
      }
      const { status } = result.answer;
      const body = await readAnswer(result.answer.body, STATUS_BYTES_MAX);
      if (status !== 200 || body === undefined) {
        const hint = status === 401 ? ' (wrong token: set MERIDIAN_ADMIN_TOKEN / MERIDIAN_TOKEN like the nodes)' : '';
        const what = body === undefined ? 'an answer over 1 MiB' : String(status);
        this.views.set(region.name, { ...previous, healthy: false, error: `${path} answered ${what}${hint}` });
        return;
      }
      this.slowPolls.delete(region.name);
      let fields: Partial<RegionView>;
      try {
        fields = statusToken === undefined ? { healthy: true } : readStatus(region, new TextDecoder().decode(body));
      } catch {
        this.views.set(region.name, { ...previous, healthy: false, error: `${path} answered malformed JSON` });
        return;
      }
      const healthy = fields.healthy ?? true;
      this.views.set(region.name, {
        ...previous,
        ...fields,
        checkedAtMs: clock.nowMs(),
        error: healthy ? undefined : 'not ready',
      });
      this.followPrimary();
    } finally {
      this.inFlight.delete(region.name);
    }
  }
}
