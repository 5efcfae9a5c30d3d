import http from 'node:http';
import type { RegionState } from './route.js';

/** One region as the router last saw it through `/_meridian/status`. */
export interface RegionView extends RegionState {
  readonly url: string;
  /** The role the node reports (the config decides routing; a mismatch shows in status). */
  readonly role: string | undefined;
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
  readonly agent: http.Agent;
}

interface PollAnswer {
  readonly status: number;
  readonly body: string;
}

const STATUS_BYTES_MAX = 1024 * 1024;
/** Polls in a row a healthy region may leave unanswered (timed out) before it counts as down. */
const SLOW_POLLS_TOLERATED = 1;

function fetchText(url: string, token: string | undefined, timeoutMs: number, agent: http.Agent): Promise<PollAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const request = http.get(url, { headers, agent, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > STATUS_BYTES_MAX) request.destroy(new Error('status answer too large'));
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

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
  const stalenessMs = region.isPrimary ? 0 : (reported ?? Number.POSITIVE_INFINITY);
  return {
    healthy: body['ready'] !== false && body['healthy'] !== false,
    role: typeof body['role'] === 'string' ? body['role'] : undefined,
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
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RegionMonitorOptions) {
    for (const region of options.regions) {
      this.views.set(region.name, {
        ...region,
        healthy: false,
        stalenessMs: region.isPrimary ? 0 : Number.POSITIVE_INFINITY,
        appliedOffset: 0,
        role: undefined,
        primaryOffset: undefined,
        lagOffsets: undefined,
        checkedAtMs: undefined,
        error: 'not checked yet',
      });
    }
  }

  /** Polls once now, then every pollIntervalMs. Resolves after the first round. */
  async start(): Promise<void> {
    await this.pollAll();
    const tick = (): void => {
      this.timer = setTimeout(() => void this.pollAll().finally(tick), this.options.pollIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  view(name: string): RegionView | undefined {
    return this.views.get(name);
  }

  all(): RegionView[] {
    return this.options.regions.map((region) => this.views.get(region.name) as RegionView);
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
    const { statusToken, pollTimeoutMs, agent } = this.options;
    const previous = this.views.get(region.name) as RegionView;
    try {
      const path = statusToken === undefined ? '/_meridian/health' : '/_meridian/status';
      const answer = await fetchText(`${region.url}${path}`, statusToken, pollTimeoutMs, agent);
      if (answer.status !== 200) {
        const hint =
          answer.status === 401 ? ' (wrong token: set MERIDIAN_ADMIN_TOKEN / MERIDIAN_TOKEN like the nodes)' : '';
        this.views.set(region.name, { ...previous, healthy: false, error: `${path} answered ${answer.status}${hint}` });
        return;
      }
      this.slowPolls.delete(region.name);
      const fields = statusToken === undefined ? { healthy: true } : readStatus(region, answer.body);
      const healthy = fields.healthy ?? true;
      this.views.set(region.name, {
        ...previous,
        ...fields,
        checkedAtMs: Date.now(),
        error: healthy ? undefined : 'not ready',
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // One slow answer (a node busy with one big request) is not an outage: a region that does
      // answer, only late, turns unhealthy at the second slow poll in a row. Refused connections count at once.
      const slow = (this.slowPolls.get(region.name) ?? 0) + 1;
      const timedOut = message.startsWith('no answer within');
      this.slowPolls.set(region.name, timedOut ? slow : SLOW_POLLS_TOLERATED + 1);
      if (timedOut && slow <= SLOW_POLLS_TOLERATED && previous.healthy) return;
      this.views.set(region.name, { ...previous, healthy: false, error: `cannot reach ${region.url}: ${message}` });
      return;
    } finally {
      this.inFlight.delete(region.name);
    }
  }
}
