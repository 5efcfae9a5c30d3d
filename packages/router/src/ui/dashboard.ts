import { readFileSync, statSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { ERR_AUTH, type SecretToken, encodeJsonError } from '@meridian/rest';
import type { TopologyConfig } from '@meridian/topology';
import type { RegionMonitor } from '../monitor.js';
import type { OutboundAgents } from '../outbound.js';
import { type Json, nodeCall, numberField, objectField, parseJson } from './collect.js';
import { dashboardPage } from './page.js';

/** A region as the dashboard shows it: where it is, what it has applied, how far behind and how busy it is. */
export interface RegionFigures {
  name: string;
  lat: number;
  lon: number;
  isPrimary: boolean;
  healthy: boolean;
  error: string | null;
  role: string | null;
  appliedOffset: number | null;
  primaryOffset: number | null;
  lagOffsets: number | null;
  /** How long the oldest write this replica has not acknowledged has waited (from the primary's view). */
  lagMs: number | null;
  stalenessMs: number | null;
  commandsPerSecond: number | null;
  readLatencyP50Ms: number | null;
  readLatencyP99Ms: number | null;
  keys: number | null;
  /** lagMs once a second, oldest first (the last HISTORY_SAMPLES_MAX seconds). */
  lagHistoryMs: (number | null)[];
}

/** One direction of a link, as the sending node's `/_meridian/lag` shows it. */
export interface LinkDirection {
  delayMs: number;
  jitter: unknown;
  partitioned: boolean;
}

/** The link between the primary and one replica, both directions. */
export interface LinkFigures {
  primary: string;
  replica: string;
  toReplica: LinkDirection | null;
  toPrimary: LinkDirection | null;
  /** ok, lagging (staleness well above the link delay), partitioned (either direction cut), down (replica unreachable). */
  health: 'ok' | 'lagging' | 'partitioned' | 'down';
}

export interface DashboardSnapshot {
  atMs: number;
  primary: string;
  sampleIntervalMs: number;
  regions: RegionFigures[];
  links: LinkFigures[];
  /** The last staleness experiment's report under the router's experiment folder, when there is one. */
  report: { modifiedAtMs: number; summary: Json | null } | null;
}

export interface DashboardOptions {
  readonly config: TopologyConfig;
  readonly monitor: RegionMonitor;
  /** Guards every dashboard endpoint but the page itself; undefined: open (no tokens configured). */
  readonly adminToken: SecretToken | undefined;
  /** Sent to the nodes' admin endpoints. */
  readonly nodeToken: string | undefined;
  readonly agent: OutboundAgents;
  /** Where `meridian experiment` wrote its last run (report.html, summary.json). */
  readonly experimentOutDir: string;
  readonly sampleIntervalMs?: number;
}

export const DASHBOARD_SAMPLE_INTERVAL_MS_DEFAULT = 500;
/** Lag history kept per region: one point a second, ten minutes. */
export const HISTORY_SAMPLES_MAX = 600;
/** With nobody watching for this long, the dashboard stops polling the nodes. */
const IDLE_STOP_MS = 10 * 60_000;
const STREAM_CLIENTS_MAX = 32;
const NODE_TIMEOUT_MS = 1_000;
const LAG_BODY_BYTES_MAX = 64 * 1024;
const REPORT_CHECK_MS = 2_000;

interface NodeSample {
  status: Json | undefined;
  links: Json[] | undefined;
}

/**
 * The live dashboard at `/_meridian/ui`: polls every node's `/_meridian/status` and `/_meridian/lag`
 * while someone watches (twice a second), keeps a lag history, pushes snapshots over SSE, and fans
 * lag changes out to every node as `meridian lag` does.
 */
export class Dashboard {
  private readonly samples = new Map<string, NodeSample>();
  private readonly history = new Map<string, (number | null)[]>();
  private readonly streams = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private lastViewedMs = 0;
  private lastHistoryMs = 0;
  private polling: Promise<void> | undefined;
  private report: DashboardSnapshot['report'] = null;
  private reportCheckedMs = 0;
  private closed = false;

  constructor(private readonly options: DashboardOptions) {
    for (const region of options.config.regions) this.history.set(region.name, []);
  }

  get sampleIntervalMs(): number {
    return this.options.sampleIntervalMs ?? DASHBOARD_SAMPLE_INTERVAL_MS_DEFAULT;
  }

  /** Serves `/_meridian/ui…` and `/_meridian/lag`; false when `endpoint` is not the dashboard's. */
  serve(
    endpoint: string,
    credential: string | undefined,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): boolean {
    if (endpoint !== 'ui' && !endpoint.startsWith('ui/') && endpoint !== 'lag') return false;
    if (endpoint === 'ui') {
      request.resume();
      sendText(response, 200, dashboardPage(), 'text/html; charset=utf-8');
      return true;
    }
    if (this.options.adminToken !== undefined && !this.options.adminToken.matches(credential)) {
      request.resume();
      sendText(response, 401, encodeJsonError(ERR_AUTH), 'application/json');
      return true;
    }
    this.watched();
    if (endpoint === 'lag') void this.lag(request, response);
    else if (endpoint === 'ui/snapshot') void this.sendSnapshot(request, response);
    else if (endpoint === 'ui/stream') this.stream(request, response);
    else if (endpoint === 'ui/report') this.sendReport(request, response);
    else {
      request.resume();
      sendText(
        response,
        404,
        encodeJsonError(`ERR unknown endpoint /_meridian/${endpoint} on the router`),
        'application/json',
      );
    }
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  /** The figures now (after one poll when the dashboard was idle). */
  async snapshot(): Promise<DashboardSnapshot> {
    this.watched();
    if (this.samples.size === 0) await this.poll();
    return this.build();
  }

  private watched(): void {
    this.lastViewedMs = Date.now();
    if (this.timer === undefined && !this.closed) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      if (this.streams.size === 0 && Date.now() - this.lastViewedMs > IDLE_STOP_MS) return;
      void this.poll().finally(() => {
        if (!this.closed && this.timer === undefined) this.schedule(this.sampleIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private poll(): Promise<void> {
    this.polling ??= this.pollNodes().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollNodes(): Promise<void> {
    const { nodeToken, agent } = this.options;
    const call = { token: nodeToken, agent, timeoutMs: NODE_TIMEOUT_MS };
    await Promise.all(
      this.options.monitor.all().map(async (view) => {
        const [status, lag] = await Promise.all([
          nodeCall(`${view.url}/_meridian/status`, call).catch(() => undefined),
          nodeCall(`${view.url}/_meridian/lag`, call).catch(() => undefined),
        ]);
        const statusBody = status?.status === 200 ? parseJson(status.body) : undefined;
        const lagBody = lag?.status === 200 ? parseJson(lag.body) : undefined;
        const links = objectField({ lag: lagBody }, 'lag')?.['links'];
        this.samples.set(view.name, {
          status: typeof statusBody === 'object' && statusBody !== null ? (statusBody as Json) : undefined,
          links: Array.isArray(links) ? (links as Json[]) : undefined,
        });
      }),
    );
    this.checkReport();
    const snapshot = this.build();
    const nowMs = Date.now();
    if (nowMs - this.lastHistoryMs >= 1000) {
      this.lastHistoryMs = nowMs;
      for (const region of snapshot.regions) {
        const points = this.history.get(region.name) as (number | null)[];
        points.push(region.lagMs);
        if (points.length > HISTORY_SAMPLES_MAX) points.shift();
      }
    }
    this.push(snapshot);
  }

  private build(): DashboardSnapshot {
    const { config, monitor } = this.options;
    const primaryStatus = this.samples.get(config.primary)?.status;
    const primaryApplied = numberField(primaryStatus, 'appliedOffset');
    const replicaViews = Array.isArray(primaryStatus?.['replicas']) ? (primaryStatus['replicas'] as Json[]) : [];
    const regions = config.regions.map((region): RegionFigures => {
      const view = monitor.view(region.name);
      const status = this.samples.get(region.name)?.status;
      const traffic = objectField(status, 'traffic');
      const latency = objectField(traffic, 'readLatencyMs');
      const isPrimary = region.name === config.primary;
      const fromPrimary = replicaViews.find((replica) => replica['region'] === region.name);
      return {
        name: region.name,
        lat: region.location.lat,
        lon: region.location.lon,
        isPrimary,
        healthy: view?.healthy === true && status !== undefined,
        error: view?.error ?? (status === undefined ? 'status unavailable' : null),
        role: typeof status?.['role'] === 'string' ? status['role'] : null,
        appliedOffset: numberField(status, 'appliedOffset'),
        primaryOffset: numberField(status, 'primaryOffset'),
        lagOffsets: isPrimary ? 0 : lagOffsets(primaryApplied, numberField(status, 'appliedOffset')),
        // A replica the primary no longer streams to (partitioned, restarting) lags by its staleness.
        lagMs: isPrimary ? 0 : (numberField(fromPrimary, 'lagMs') ?? numberField(status, 'stalenessMs')),
        stalenessMs: numberField(status, 'stalenessMs'),
        commandsPerSecond: numberField(traffic, 'commandsPerSecond'),
        readLatencyP50Ms: numberField(latency, 'p50'),
        readLatencyP99Ms: numberField(latency, 'p99'),
        keys: numberField(status, 'keys'),
        lagHistoryMs: [...(this.history.get(region.name) ?? [])],
      };
    });
    return {
      atMs: Date.now(),
      primary: config.primary,
      sampleIntervalMs: this.sampleIntervalMs,
      regions,
      links: this.links(regions),
      report: this.report,
    };
  }

  private links(regions: readonly RegionFigures[]): LinkFigures[] {
    const primary = this.options.config.primary;
    const direction = (from: string, to: string): LinkDirection | null => {
      const link = this.samples
        .get(from)
        ?.links?.find((candidate) => candidate['from'] === from && candidate['to'] === to);
      if (link === undefined) return null;
      return {
        delayMs: numberField(link, 'delayMs') ?? 0,
        jitter: link['jitter'] ?? null,
        partitioned: link['partitioned'] === true,
      };
    };
    return regions
      .filter((region) => !region.isPrimary)
      .map((replica): LinkFigures => {
        const toReplica = direction(primary, replica.name);
        const toPrimary = direction(replica.name, primary);
        const delayMs = Math.max(toReplica?.delayMs ?? 0, toPrimary?.delayMs ?? 0);
        const health =
          toReplica?.partitioned === true || toPrimary?.partitioned === true
            ? 'partitioned'
            : !replica.healthy
              ? 'down'
              : (replica.stalenessMs ?? 0) > 2 * delayMs + 1000
                ? 'lagging'
                : 'ok';
        return { primary, replica: replica.name, toReplica, toPrimary, health };
      });
  }

  private push(snapshot: DashboardSnapshot): void {
    if (this.streams.size === 0) return;
    const event = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
    for (const stream of this.streams) {
      // A viewer that does not read is dropped rather than buffered without bound.
      if (stream.writableLength > 1024 * 1024) stream.destroy();
      else stream.write(event);
    }
  }

  private stream(request: http.IncomingMessage, response: http.ServerResponse): void {
    request.resume();
    if (this.streams.size >= STREAM_CLIENTS_MAX) {
      sendText(
        response,
        503,
        encodeJsonError(`ERR at most ${STREAM_CLIENTS_MAX} dashboards may watch at once`),
        'application/json',
      );
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    request.socket.setTimeout(0);
    this.streams.add(response);
    response.once('close', () => this.streams.delete(response));
    response.write(`event: snapshot\ndata: ${JSON.stringify(this.build())}\n\n`);
  }

  private async sendSnapshot(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    request.resume();
    const snapshot = await this.snapshot();
    sendText(response, 200, JSON.stringify(snapshot), 'application/json');
  }

  private checkReport(): void {
    const nowMs = Date.now();
    if (nowMs - this.reportCheckedMs < REPORT_CHECK_MS) return;
    this.reportCheckedMs = nowMs;
    const dir = this.options.experimentOutDir;
    try {
      const stat = statSync(join(dir, 'report.html'));
      if (this.report?.modifiedAtMs === stat.mtimeMs) return;
      let summary: Json | null = null;
      try {
        const parsed = parseJson(readFileSync(join(dir, 'summary.json'), 'utf8'));
        if (typeof parsed === 'object' && parsed !== null) {
          const whole = parsed as Json;
          summary = {
            mode: whole['mode'] ?? null,
            seed: whole['seed'] ?? null,
            durationMs: whole['durationMs'] ?? null,
          };
        }
      } catch {
        summary = null;
      }
      this.report = { modifiedAtMs: stat.mtimeMs, summary };
    } catch {
      this.report = null;
    }
  }

  private sendReport(request: http.IncomingMessage, response: http.ServerResponse): void {
    request.resume();
    try {
      const html = readFileSync(join(this.options.experimentOutDir, 'report.html'));
      sendText(response, 200, html, 'text/html; charset=utf-8');
    } catch {
      sendText(
        response,
        404,
        encodeJsonError('ERR no experiment report yet (run `meridian experiment staleness`)'),
        'application/json',
      );
    }
  }

  /** `GET`: every node's links; `POST`: one `/_meridian/lag` change applied on every node, as `meridian lag` does. */
  private async lag(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      request.resume();
      return sendText(response, 405, encodeJsonError('ERR /_meridian/lag answers GET and POST'), 'application/json');
    }
    const body = method === 'POST' ? await readLimited(request, LAG_BODY_BYTES_MAX) : undefined;
    if (body === null) return sendText(response, 413, encodeJsonError('ERR body too large'), 'application/json');
    const { nodeToken, agent } = this.options;
    const answers = await Promise.all(
      this.options.monitor.all().map(async (view) => {
        try {
          const answer = await nodeCall(`${view.url}/_meridian/lag`, {
            token: nodeToken,
            agent,
            timeoutMs: NODE_TIMEOUT_MS * 2,
            method,
            ...(body === undefined ? {} : { body }),
          });
          const parsed = parseJson(answer.body) as Json | undefined;
          return {
            region: view.name,
            status: answer.status,
            links: parsed?.['links'] ?? null,
            error: parsed?.['error'] ?? null,
          };
        } catch (error) {
          return {
            region: view.name,
            status: 0,
            links: null,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    const refused = answers.find((answer) => answer.status === 400);
    if (refused !== undefined)
      return sendText(response, 400, JSON.stringify({ error: refused.error }), 'application/json');
    const failed = answers.some((answer) => answer.status !== 200);
    if (method === 'POST') await this.poll();
    sendText(
      response,
      failed ? 502 : 200,
      JSON.stringify({ regions: answers.map(({ region, links, error }) => ({ region, links, error })) }),
      'application/json',
    );
  }
}

function lagOffsets(primaryApplied: number | null, applied: number | null): number | null {
  return primaryApplied === null || applied === null ? null : Math.max(0, primaryApplied - applied);
}

function sendText(response: http.ServerResponse, status: number, body: string | Buffer, type: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  });
  response.end(body);
}

function readLimited(request: http.IncomingMessage, bytesMax: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= bytesMax) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > bytesMax ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
