import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineHost } from '@meridian/engine';
import type { Clock, LinkModel } from '@meridian/lag';
import type { Access, RestRequest } from '@meridian/rest';
import type { RestResponse } from '../handler.js';
import type { StreamHandler } from '../http-server.js';
import { BUFFER_LIMITS_DEFAULT } from './budget.js';
import { PubSubHub } from './hub.js';
import { RegionSubscriptions } from './region-counts.js';
import { REGION_REPORT_PATH, RegionReportEndpoint, RegionReporter } from './region-report.js';
import { createSseHandler, KEEP_ALIVE_MS_DEFAULT } from './sse.js';
import { PUBSUB_WS_PATH, PubSubWsEndpoint, WS_LIMITS_DEFAULT, type WsEndpointLimits } from './ws.js';
import type { Report } from '@meridian/metrics';
import type { TlsTrust } from '@meridian/replication';

/** Every pub/sub limit and interval of a node, each with a default (packages/node/PUBSUB.md). */
export interface PubSubSettings extends WsEndpointLimits {
  /** How often a replica sends its full subscriber counts to the primary. */
  readonly reportIntervalMs: number;
  /** How soon a replica reports a change of its subscriptions. */
  readonly reportChangeDelayMs: number;
}

export const PUBSUB_SETTINGS_DEFAULT: PubSubSettings = {
  ...BUFFER_LIMITS_DEFAULT,
  ...WS_LIMITS_DEFAULT,
  keepAliveMs: KEEP_ALIVE_MS_DEFAULT,
  reportIntervalMs: 1000,
  reportChangeDelayMs: 50,
};

/** What a node hands its pub/sub layer. */
export interface PubSubServiceOptions {
  readonly hub?: PubSubHub;
  readonly region: string;
  readonly clock: Clock;
  readonly settings?: Partial<PubSubSettings>;
  readonly authenticate: (credential: string | undefined) => Access | undefined;
  readonly handle: (request: RestRequest) => RestResponse | Promise<RestResponse>;
  readonly syncToken: () => string;
  /** A primary with replicas: accept their count reports (authenticated by this secret). */
  readonly acceptReports?: { readonly secret: string };
  /** A replica: report to the primary at `primaryUrl` over the replica→primary `link`. */
  readonly reportTo?: {
    readonly primaryUrl: string;
    readonly secret: string;
    readonly link: LinkModel | undefined;
    readonly trust?: TlsTrust | undefined;
  };
  readonly report: Report;
}

/**
 * A node's pub/sub: the hub of local subscribers, the engine hooks PUBLISH and PUBSUB use, the SSE
 * paths, the WebSocket endpoint, and the subscriber counts replicas report to the primary so that
 * PUBLISH there counts every region's receivers.
 */
export class PubSubService {
  readonly hub: PubSubHub;
  readonly regions: RegionSubscriptions;
  readonly settings: PubSubSettings;
  private readonly ws: PubSubWsEndpoint;
  private readonly reports: RegionReportEndpoint | undefined;
  private readonly reporter: RegionReporter | undefined;

  constructor(private readonly options: PubSubServiceOptions) {
    this.hub = options.hub ?? new PubSubHub();
    this.settings = { ...PUBSUB_SETTINGS_DEFAULT, ...options.settings };
    this.regions = new RegionSubscriptions(this.settings.reportIntervalMs * 3);
    this.ws = new PubSubWsEndpoint({
      hub: this.hub,
      authenticate: options.authenticate,
      handle: options.handle,
      limits: this.settings,
    });
    const { acceptReports, reportTo } = options;
    if (acceptReports !== undefined) {
      this.reports = new RegionReportEndpoint(this.regions, acceptReports.secret, options.clock);
    }
    if (reportTo !== undefined) {
      this.reporter = new RegionReporter({
        ...reportTo,
        region: options.region,
        hub: this.hub,
        clock: options.clock,
        reportIntervalMs: this.settings.reportIntervalMs,
        changeDelayMs: this.settings.reportChangeDelayMs,
        report: options.report,
      });
    }
  }

  /** The engine's pub/sub hooks: PUBLISH counts local receivers plus the other regions' reported ones. */
  hostHooks(): Required<Pick<EngineHost, 'publish' | 'pubsubChannels' | 'pubsubSubscribers' | 'pubsubPatterns'>> {
    const { hub, regions, options } = this;
    return {
      publish: (channel, message) => hub.publish(channel, message) + regions.receivers(channel, options.clock.nowMs()),
      pubsubChannels: () => hub.activeChannels(),
      pubsubSubscribers: (channel) => hub.subscriberCount(channel),
      pubsubPatterns: () => hub.patternCount(),
    };
  }

  streams(): StreamHandler {
    return createSseHandler(this.hub, { ...this.settings, syncToken: this.options.syncToken });
  }

  /** Takes the upgrade if it is for a pub/sub path; returns whether it did. */
  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === PUBSUB_WS_PATH) {
      this.ws.handleUpgrade(request, socket, head, url);
      return true;
    }
    if (url.pathname === REGION_REPORT_PATH && this.reports !== undefined) {
      this.reports.handleUpgrade(request, socket, head, url);
      return true;
    }
    return false;
  }

  /** For `/_meridian/status`: local subscribers and what each region last reported. */
  status(): Record<string, unknown> {
    return {
      subscribers: this.hub.subscriberTotal(),
      channels: this.hub.activeChannels().length,
      patterns: this.hub.patternCount(),
      deliveries: this.hub.deliveries,
      slowSubscribers: this.hub.slowSubscribers,
      regions: this.regions.view(this.options.clock.nowMs()),
    };
  }

  start(): void {
    this.reporter?.start();
  }

  close(): void {
    this.reporter?.stop();
    this.hub.closeAll('ERR the node is shutting down');
    this.ws.close();
    this.reports?.close();
  }
}
