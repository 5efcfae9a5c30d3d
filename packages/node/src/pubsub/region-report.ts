import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type Clock, type LinkModel, OrderedDelayLine, type TimerHandle } from '@meridian/lag';
import { SecretToken } from '@meridian/rest';
import type { PubSubHub } from './hub.js';
import { encodeRegionReport, parseRegionReport, type RegionSubscriptions } from './region-counts.js';
import { refuseUpgrade, upgradeCredential } from './upgrade.js';
import type { Report } from '@meridian/metrics';
import type { TlsTrust } from '@meridian/replication';

/** Where replicas report their subscriber counts to the primary (authenticated by the replication secret). */
export const REGION_REPORT_PATH = '/_meridian/pubsub/regions';

/** Bound on one report frame; a replica whose table is larger reports nothing (and says so once). */
export const REGION_REPORT_BYTES_MAX = 16 * 1024 * 1024;

/** The primary's side: takes report connections and keeps their tables in `regions`. */
export class RegionReportEndpoint {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: REGION_REPORT_BYTES_MAX,
    perMessageDeflate: false,
  });
  private readonly secret: SecretToken;

  constructor(
    private readonly regions: RegionSubscriptions,
    secret: string,
    private readonly clock: Clock,
  ) {
    this.secret = new SecretToken(secret);
  }

  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (!this.secret.matches(upgradeCredential(request, url))) {
      refuseUpgrade(socket, 401, 'Unauthorized', 'ERR the replication secret is missing or wrong');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      let region: string | undefined;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const report = isBinary ? undefined : parseRegionReport(data.toString('utf8'));
        if (report === undefined || (region !== undefined && report.region !== region)) {
          ws.close(1008, 'not a subscriber count report');
          return;
        }
        region = report.region;
        this.regions.set(region, ws, report.counts, this.clock.nowMs());
      });
      ws.on('close', () => {
        if (region !== undefined) this.regions.drop(region, ws);
      });
      ws.on('error', () => ws.terminate());
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

export interface RegionReporterOptions {
  readonly primaryUrl: string;
  readonly secret: string;
  readonly region: string;
  readonly hub: PubSubHub;
  readonly clock: Clock;
  /** The replica→primary link: reports take its delay; while it is partitioned nothing is reported. */
  readonly link: LinkModel | undefined;
  /** A full report at least this often (the primary forgets a region silent for 3 intervals). */
  readonly reportIntervalMs: number;
  /** A change is reported after at most this long (changes within it share one report). */
  readonly changeDelayMs: number;
  readonly report: Report;
  /** For an https:// primary: the CA to trust and the client certificate. */
  readonly trust?: TlsTrust | undefined;
}

const RECONNECT_MS_MIN = 100;
const RECONNECT_MS_MAX = 2000;

/** The replica's side: keeps one connection to the primary and sends its hub's counts on it. */
export class RegionReporter {
  private socket: WebSocket | undefined;
  private line: OrderedDelayLine<string> | undefined;
  private tick: TimerHandle | undefined;
  private pendingChange: TimerHandle | undefined;
  private reconnectMs = RECONNECT_MS_MIN;
  private stopped = false;
  private tooLargeReported = false;
  private readonly unlisten: () => void;

  constructor(private readonly options: RegionReporterOptions) {
    this.unlisten = options.hub.onChange(() => this.changed());
  }

  start(): void {
    this.connect();
    this.scheduleTick();
  }

  stop(): void {
    this.stopped = true;
    this.unlisten();
    this.tick?.cancel();
    this.pendingChange?.cancel();
    this.disconnect();
  }

  private connect(): void {
    if (this.stopped || this.socket !== undefined || this.options.link?.partitioned === true) return;
    const url = new URL(REGION_REPORT_PATH, this.options.primaryUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const { trust } = this.options;
    const socket = new WebSocket(url.href, {
      headers: { authorization: `Bearer ${this.options.secret}` },
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
      ...(trust?.cert === undefined || trust.key === undefined ? {} : { cert: trust.cert, key: trust.key }),
    });
    this.socket = socket;
    const link = this.options.link;
    const line =
      link === undefined
        ? undefined
        : new OrderedDelayLine<string>({
            clock: this.options.clock,
            model: link,
            deliver: (frame) => socket.send(frame),
          });
    this.line = line;
    socket.on('open', () => {
      this.reconnectMs = RECONNECT_MS_MIN;
      this.sendNow();
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      line?.close();
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.line = undefined;
      if (this.stopped) return;
      this.options.clock.setTimer(this.reconnectMs, () => this.connect());
      this.reconnectMs = Math.min(RECONNECT_MS_MAX, this.reconnectMs * 2);
    });
  }

  private disconnect(): void {
    this.line?.close();
    this.socket?.terminate();
  }

  private scheduleTick(): void {
    this.tick = this.options.clock.setTimer(this.options.reportIntervalMs, () => {
      if (this.stopped) return;
      // A partitioned link carries nothing: closing lets the primary forget this region at once.
      if (this.options.link?.partitioned === true) this.disconnect();
      else if (this.socket === undefined) this.connect();
      else this.sendNow();
      this.scheduleTick();
    });
  }

  private changed(): void {
    if (this.pendingChange !== undefined || this.stopped) return;
    this.pendingChange = this.options.clock.setTimer(this.options.changeDelayMs, () => {
      this.pendingChange = undefined;
      this.sendNow();
    });
  }

  private sendNow(): void {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    const frame = encodeRegionReport(this.options.region, this.options.hub.counts());
    if (Buffer.byteLength(frame) > REGION_REPORT_BYTES_MAX) {
      if (!this.tooLargeReported)
        this.options.report('meridian: pub/sub count report too large; not sent', {
          event: 'pubsub.counts-too-large',
          level: 'warn',
        });
      this.tooLargeReported = true;
      return;
    }
    if (this.line === undefined) socket.send(frame);
    else this.line.send(frame, frame.length);
  }
}
