import { MeridianError } from '@meridian/engine';
import { hasMeridianCode } from '@meridian/engine';
import http from 'node:http';
import https from 'node:https';
import type { Server as TlsServer } from 'node:tls';
import type net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import {
  CORS_HEADERS,
  ERR_TOO_LARGE,
  SERVED_BY_HEADER,
  SecretToken,
  encodeJsonError,
  enforceCorsPolicy,
  listenFront,
} from '@meridian/rest';
import { regionBaseUrl, type TopologyConfig } from '@meridian/topology';
import { RouterHandler, type RouterResponse, UNFORWARDED_HEADERS, bearerOrQueryToken, originForm } from './handler.js';
import { HttpRegionClient, REAL_TIMERS } from './http-region-client.js';
import type { ClientLocation } from './location.js';
import { RegionMonitor, type RegionView } from './monitor.js';
import { RouterMetrics } from './metrics.js';
import { OutboundAgents, type RouterTrust } from './outbound.js';
import { type Report, reportToStderr } from '@meridian/metrics';
import { isAnswerStream } from './region-client.js';
import { routeRequest } from './route.js';
import { SocketRegionClient } from './socket-region-client.js';
import { Dashboard } from './ui/dashboard.js';
import { PROXIED_UPGRADE_PATHS, proxyUpgrade, refuseUpgrade } from './upgrade.js';

export interface RouterOptions {
  /** The topology, with secrets already applied (`applyEnvironment`). */
  readonly config: TopologyConfig;
  /** Default: config.router.host / port. */
  readonly host?: string;
  readonly port?: number;
  /** Region base URLs; default http://<host>:<port> from the config. */
  readonly regionUrls?: Readonly<Record<string, string>>;
  readonly pollIntervalMs?: number;
  readonly pollTimeoutMs?: number;
  readonly requestBytesMax?: number;
  /** Default: config.router.addClientLatency. */
  readonly addClientLatency?: boolean;
  /** Upper bound on one forwarded request (event streams have none). */
  readonly forwardTimeoutMs?: number;
  /** Where the dashboard looks for the last experiment's report.html; default ./experiment-out. */
  readonly experimentOutDir?: string;
  /** How often the dashboard polls the nodes while someone watches (default 500 ms). */
  readonly dashboardSampleIntervalMs?: number;
  /** May scrape `/metrics` besides the admin token (MERIDIAN_METRICS_TOKEN). */
  readonly metricsToken?: string;
  /** Where failures go (default stderr); the CLI passes a structured logger. */
  readonly report?: Report;
  /** Serve HTTPS (and WSS) with this certificate (PEM). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Outgoing TLS to https:// regions: the CA to trust (and a client certificate). */
  readonly trust?: RouterTrust;
}

export const ROUTER_POLL_INTERVAL_MS_DEFAULT = 200;
export const ROUTER_POLL_TIMEOUT_MS_DEFAULT = 1000;
export const ROUTER_FORWARD_TIMEOUT_MS_DEFAULT = 60_000;
const SOCKETS_PER_REGION_MAX = 256;

function sendJson(
  response: http.ServerResponse,
  status: number,
  body: string,
  extra: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    ...CORS_HEADERS,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...extra,
  });
  response.end(body);
}

/** Reads a whole body up to `bytesMax`; undefined when it is larger. */
function readBody(request: http.IncomingMessage, bytesMax: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= bytesMax) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on('end', () => resolve(size > bytesMax ? undefined : Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}

/** Writes the handler's answer: one write for a whole body, a piped stream (cancelled if the client leaves) otherwise. */
function writeAnswer(response: http.ServerResponse, answer: RouterResponse): void {
  if (response.headersSent || response.destroyed) {
    if (isAnswerStream(answer.body)) answer.body.cancel();
    return;
  }
  const body = answer.body;
  if (!isAnswerStream(body)) {
    response.writeHead(answer.status, answer.headers as http.OutgoingHttpHeaders);
    response.end(body);
    return;
  }
  response.writeHead(answer.status, answer.headers as http.OutgoingHttpHeaders);
  response.flushHeaders();
  const source = Readable.from(body, { objectMode: false });
  source.on('error', () => response.destroy());
  response.on('close', () => {
    if (!response.writableFinished) {
      body.cancel();
      source.destroy();
    }
  });
  source.pipe(response);
}

/** The geo-router over node:http: a thin adapter around RouterHandler, plus WebSocket splicing and the dashboard. */
export class MeridianRouter {
  readonly monitor: RegionMonitor;
  /** The router as a function (handler.ts): everything but sockets. */
  readonly handler: RouterHandler;
  /** Prometheus metrics at `/metrics` (admin or metrics token). */
  readonly metrics: RouterMetrics;
  private readonly scrapeTokens: SecretToken[];
  /** The live dashboard at /_meridian/ui (ui/dashboard.ts). */
  readonly dashboard: Dashboard;
  private readonly agent: OutboundAgents;
  private readonly client: SocketRegionClient;
  private readonly server: http.Server;
  /** Plain HTTP's listener (front.ts), handing what it does not read itself to `server`; undefined with TLS. */
  private readonly front: net.Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: RouterOptions) {
    const { config } = options;
    this.agent = new OutboundAgents(
      { keepAlive: true, maxSockets: SOCKETS_PER_REGION_MAX, scheduling: 'lifo', noDelay: true },
      options.trust,
    );
    const guard = config.auth.adminToken ?? config.auth.token;
    this.client = new SocketRegionClient(new HttpRegionClient(this.agent));
    const client = this.client;
    this.scrapeTokens = [guard, options.metricsToken]
      .filter((token): token is string => token !== undefined && token !== '')
      .map((token) => new SecretToken(token));
    this.monitor = new RegionMonitor({
      regions: config.regions.map((region) => ({
        name: region.name,
        url: options.regionUrls?.[region.name] ?? regionBaseUrl(region, config),
        isPrimary: region.name === config.primary,
      })),
      statusToken: guard,
      pollIntervalMs: options.pollIntervalMs ?? ROUTER_POLL_INTERVAL_MS_DEFAULT,
      pollTimeoutMs: options.pollTimeoutMs ?? ROUTER_POLL_TIMEOUT_MS_DEFAULT,
      client,
      clock: REAL_TIMERS,
    });
    this.handler = new RouterHandler({
      config,
      views: this.monitor,
      client,
      clock: REAL_TIMERS,
      forwardTimeoutMs: options.forwardTimeoutMs ?? ROUTER_FORWARD_TIMEOUT_MS_DEFAULT,
      ...(options.requestBytesMax === undefined ? {} : { requestBytesMax: options.requestBytesMax }),
      ...(options.addClientLatency === undefined ? {} : { addClientLatency: options.addClientLatency }),
    });
    this.metrics = new RouterMetrics(() => this.monitor.all());
    this.dashboard = new Dashboard({
      config,
      monitor: this.monitor,
      adminToken: guard === undefined ? undefined : new SecretToken(guard),
      nodeToken: guard,
      agent: this.agent,
      experimentOutDir: resolve(options.experimentOutDir ?? 'experiment-out'),
      ...(options.dashboardSampleIntervalMs === undefined
        ? {}
        : { sampleIntervalMs: options.dashboardSampleIntervalMs }),
    });
    const settings: http.ServerOptions = {
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      noDelay: true,
    };
    const serve = (request: http.IncomingMessage, response: http.ServerResponse): void => {
      this.handle(request, response).catch((error: unknown) => {
        this.failed('request', error);
        sendJson(response, 500, encodeJsonError('ERR internal error in the router'));
      });
    };
    this.server =
      options.tls === undefined
        ? http.createServer(settings, serve)
        : https.createServer({ ...settings, cert: options.tls.cert, key: options.tls.key }, serve);
    this.server.on('connection', (socket: Socket) => this.track(socket));
    this.front =
      options.tls === undefined
        ? listenFront(
            this.server,
            {
              // The dashboard, local endpoints and /metrics stay with node:http.
              answer: (request) =>
                request.url.startsWith('/_meridian/') || RouterMetrics.isScrape(request.url)
                  ? undefined
                  : this.handler.handle(request),
              answered: (answer, startedMs) => {
                const region = (answer as RouterResponse).servedBy ?? answer.headers[SERVED_BY_HEADER];
                const servedBy = typeof region === 'string' ? region : 'router';
                this.metrics.record(servedBy, answer.status, performance.now() - startedMs);
              },
              failed: (error) => this.failed('request', error),
              requestBytesMax: this.handler.requestBytesMax,
              unpassedHeaders: UNFORWARDED_HEADERS,
              keepAliveMs: settings.keepAliveTimeout as number,
              headersMs: settings.headersTimeout as number,
              requestMs: settings.requestTimeout as number,
            },
            (socket) => this.track(socket),
          )
        : undefined;
    this.server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.upgrade(request, socket, head).catch((error: unknown) => {
        this.failed('upgrade', error);
        refuseUpgrade(socket, 500, 'Internal Server Error', 'ERR internal error in the router');
      });
    });
  }

  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Polls every region once, then listens; resolves with the router's URL. */
  async start(): Promise<string> {
    await this.monitor.start();
    const { config } = this.options;
    const listener = this.listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.options.port ?? config.router.port, this.options.host ?? config.router.host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.handler.ready = true;
    return this.url;
  }

  private failed(what: 'request' | 'upgrade', error: unknown): void {
    const report = this.options.report ?? reportToStderr;
    report(`meridian router: ${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
      event: `router.${what}-failed`,
      level: 'error',
      fields: { stack: error instanceof Error ? error.stack : undefined },
    });
  }

  /** The server that listens: the front door for plain HTTP, node:https with TLS. */
  private get listener(): net.Server {
    return this.front ?? this.server;
  }

  get url(): string {
    const address = this.listener.address() as AddressInfo | null;
    if (address === null) throw new MeridianError('MERIDIAN_ROUTER_NOT_LISTENING', 'the router is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.options.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`;
  }

  /** Serves a new certificate to new connections (SIGHUP); open ones carry on. */
  reloadTls(tls: { readonly cert: string | Buffer; readonly key: string | Buffer }): void {
    if (this.options.tls === undefined) {
      throw new MeridianError('MERIDIAN_TLS_NOT_SERVED', 'the router serves no TLS: nothing to reload');
    }
    (this.server as unknown as TlsServer).setSecureContext({ cert: tls.cert, key: tls.key });
  }

  /** The router's view of every region (its `/_meridian/status`). */
  status(): Record<string, unknown> {
    return this.handler.status();
  }

  async close(): Promise<void> {
    this.monitor.stop();
    this.dashboard.close();
    this.handler.ready = false;
    const closing = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    if (this.front !== undefined && this.server.listening) this.server.close();
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closing;
    this.client.destroy();
    this.agent.destroy();
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    if (RouterMetrics.isScrape(url)) return this.scrape(request, response);
    const startedMs = performance.now();
    let servedBy = 'router';
    response.once('finish', () => this.metrics.record(servedBy, response.statusCode, performance.now() - startedMs));
    const path = originForm(url);
    if (path?.startsWith('/_meridian/') === true) {
      enforceCorsPolicy(this.options.config.cors, request, response);
      const endpoint = path.slice('/_meridian/'.length).split('?')[0] ?? '';
      if (this.dashboard.serve(endpoint, bearerOrQueryToken({ url, headers: request.headers }), request, response))
        return;
    }
    const { requestBytesMax } = this.handler;
    if (method !== 'OPTIONS' && Number(request.headers['content-length'] ?? 0) > requestBytesMax) {
      return sendJson(response, 413, encodeJsonError(ERR_TOO_LARGE), { connection: 'close' });
    }
    const body = await readBody(request, requestBytesMax);
    if (body === undefined) return sendJson(response, 413, encodeJsonError(ERR_TOO_LARGE), { connection: 'close' });
    const answer = await this.handler.handle({ method, url, headers: request.headers, body });
    const region = answer.servedBy ?? answer.headers[SERVED_BY_HEADER];
    if (typeof region === 'string') servedBy = region;
    writeAnswer(response, answer);
  }

  private async scrape(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    request.resume();
    const credential = bearerOrQueryToken({ url: request.url ?? '/', headers: request.headers });
    if (this.scrapeTokens.length > 0 && !this.scrapeTokens.some((token) => token.matches(credential))) {
      return sendJson(response, 401, encodeJsonError('WRONGPASS invalid or missing auth token'));
    }
    const text = await this.metrics.registry.metrics();
    response.writeHead(200, { 'content-type': this.metrics.registry.contentType });
    response.end(text);
  }

  /**
   * WebSocket upgrades (`/_meridian/pubsub`): spliced through to the nearest healthy region, as
   * event streams are; the region checks the token. Other paths are refused with 404.
   */
  private async upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://router').pathname;
    if (!PROXIED_UPGRADE_PATHS.has(path)) {
      const known = [...PROXIED_UPGRADE_PATHS].join(', ');
      return refuseUpgrade(
        socket,
        404,
        'Not Found',
        `ERR no WebSocket endpoint at ${path} (the router proxies ${known})`,
      );
    }
    let client: ClientLocation;
    try {
      client = this.handler.clientOf(request.headers);
    } catch (error) {
      if (!hasMeridianCode(error, 'MERIDIAN_ROUTER_HEADER_INVALID')) throw error;
      return refuseUpgrade(socket, 400, 'Bad Request', error.message);
    }
    const decision = routeRequest(
      { isWrite: false, consistency: { level: 'eventual' } },
      this.handler.byDistance(client),
    );
    if (decision.kind === 'unavailable') {
      return refuseUpgrade(
        socket,
        503,
        'Service Unavailable',
        `ERR ${decision.reason}: every region is down or unreachable from the router`,
      );
    }
    const failures: string[] = [];
    for (const name of [decision.region, ...decision.fallbacks]) {
      const view = this.monitor.view(name) as RegionView;
      const result = await proxyUpgrade(this.agent, view.url, request, socket, head);
      if (result.kind === 'done') return;
      this.monitor.markDown(name, result.error);
      failures.push(`${name} (${view.url}: ${result.error})`);
      if (socket.destroyed) return;
    }
    refuseUpgrade(socket, 503, 'Service Unavailable', `ERR no region reachable: ${failures.join('; ')}`);
  }
}

/** Creates a router and starts it (polls every region once, then listens). */
export async function startRouter(options: RouterOptions): Promise<MeridianRouter> {
  const router = new MeridianRouter(options);
  await router.start();
  return router;
}

export { originForm };
