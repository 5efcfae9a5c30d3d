import { hasMeridianCode } from '@meridian/engine';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  CORS_HEADERS,
  ERR_AUTH,
  ERR_TOO_LARGE,
  ALLOWED_METHODS,
  REQUEST_BYTES_MAX_DEFAULT,
  SYNC_TOKEN_HEADER,
  SecretToken,
  encodeJsonError,
  enforceCorsPolicy,
  parseSyncToken,
  preflightHeaders,
} from '@meridian/rest';
import type { TopologyConfig } from '@meridian/topology';
import { type RequestClass, classifyRequest, classifyRequestLine } from './classify.js';
import { type Consistency, formatConsistency, parseConsistency } from './consistency.js';
import { type ForwardRequest, type ForwardResult, forwardOnce, forwardedHeaders, readBody } from './forward.js';
import {
  CONSISTENCY_HEADER,
  type ClientLocation,
  HeaderError,
  LOCATION_HEADER,
  REGION_HEADER,
  clientDelayMs,
  locateClient,
  rankRegions,
} from './location.js';
import { RegionMonitor, type RegionView } from './monitor.js';
import { PRIMARY_UNREACHABLE, type RouteDecision, routeRequest, type UnavailableCode } from './route.js';
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
}

export const ROUTER_POLL_INTERVAL_MS_DEFAULT = 200;
export const ROUTER_POLL_TIMEOUT_MS_DEFAULT = 1000;
export const ROUTER_FORWARD_TIMEOUT_MS_DEFAULT = 60_000;
const SOCKETS_PER_REGION_MAX = 256;

interface RoutedRequest {
  readonly method: string;
  readonly path: string;
  readonly client: ClientLocation;
  readonly consistency: Consistency;
  readonly requestClass: RequestClass;
  readonly body: Buffer | http.IncomingMessage;
}

/** Where a request runs and how far it travels, from the request's headers. */
function consistencyOf(request: http.IncomingMessage, fallback: Consistency): Consistency {
  const header = headerValue(request, CONSISTENCY_HEADER);
  if (header !== undefined && header.trim() !== '') {
    const parsed = parseConsistency(header);
    if (parsed === undefined) {
      throw new HeaderError(
        `ERR ${CONSISTENCY_HEADER} must be eventual, session, bounded=<ms> or strong, got "${header}"`,
      );
    }
    return parsed;
  }
  if (parseSyncToken(headerValue(request, SYNC_TOKEN_HEADER)) !== undefined) return { level: 'session' };
  return fallback;
}

function headerValue(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

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

/** The geo-router: a node:http proxy in front of the region nodes. */
export class MeridianRouter {
  readonly monitor: RegionMonitor;
  /** The live dashboard at /_meridian/ui (ui/dashboard.ts). */
  readonly dashboard: Dashboard;
  private readonly agent = new http.Agent({
    keepAlive: true,
    maxSockets: SOCKETS_PER_REGION_MAX,
    scheduling: 'lifo',
    noDelay: true,
  });
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly statusToken: SecretToken | undefined;
  private readonly defaultConsistency: Consistency;
  private readonly requestBytesMax: number;
  private readonly addClientLatency: boolean;
  private readonly forwardTimeoutMs: number;
  private listening = false;

  constructor(private readonly options: RouterOptions) {
    const { config } = options;
    const auth = config.auth;
    const guard = auth.adminToken ?? auth.token;
    this.statusToken = guard === undefined ? undefined : new SecretToken(guard);
    this.defaultConsistency = parseConsistency(config.router.defaultConsistency) ?? { level: 'eventual' };
    this.requestBytesMax = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
    this.addClientLatency = options.addClientLatency ?? config.router.addClientLatency;
    this.forwardTimeoutMs = options.forwardTimeoutMs ?? ROUTER_FORWARD_TIMEOUT_MS_DEFAULT;
    this.monitor = new RegionMonitor({
      regions: config.regions.map((region) => ({
        name: region.name,
        url: options.regionUrls?.[region.name] ?? `http://${region.host}:${region.port}`,
        isPrimary: region.name === config.primary,
      })),
      statusToken: guard,
      pollIntervalMs: options.pollIntervalMs ?? ROUTER_POLL_INTERVAL_MS_DEFAULT,
      pollTimeoutMs: options.pollTimeoutMs ?? ROUTER_POLL_TIMEOUT_MS_DEFAULT,
      agent: this.agent,
    });
    this.dashboard = new Dashboard({
      config,
      monitor: this.monitor,
      adminToken: this.statusToken,
      nodeToken: guard,
      agent: this.agent,
      experimentOutDir: resolve(options.experimentOutDir ?? 'experiment-out'),
      ...(options.dashboardSampleIntervalMs === undefined
        ? {}
        : { sampleIntervalMs: options.dashboardSampleIntervalMs }),
    });
    this.server = http.createServer(
      { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, noDelay: true },
      (request, response) => {
        enforceCorsPolicy(this.options.config.cors, request, response);
        this.handle(request, response).catch((error: unknown) => {
          console.error('meridian router: request failed:', error);
          sendJson(response, 500, encodeJsonError('ERR internal error in the router'));
        });
      },
    );
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.upgrade(request, socket, head).catch((error: unknown) => {
        console.error('meridian router: upgrade failed:', error);
        refuseUpgrade(socket, 500, 'Internal Server Error', 'ERR internal error in the router');
      });
    });
  }

  /** Polls every region once, then listens; resolves with the router's URL. */
  async start(): Promise<string> {
    await this.monitor.start();
    const { config } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? config.router.port, this.options.host ?? config.router.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
    return this.url;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    if (address === null) throw new Error('the router is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** The router's view of every region (its `/_meridian/status`). */
  status(): Record<string, unknown> {
    const { config } = this.options;
    return {
      role: 'router',
      ready: this.listening,
      region: config.router.region,
      primary: config.primary,
      defaultConsistency: formatConsistency(this.defaultConsistency),
      addClientLatency: this.addClientLatency,
      regions: this.monitor.all().map((view) => ({
        name: view.name,
        url: view.url,
        isPrimary: view.isPrimary,
        role: view.role ?? null,
        healthy: view.healthy,
        stalenessMs: Number.isFinite(view.stalenessMs) ? view.stalenessMs : null,
        appliedOffset: view.appliedOffset,
        primaryOffset: view.primaryOffset ?? null,
        lagOffsets: view.lagOffsets ?? null,
        checkedAtMs: view.checkedAtMs ?? null,
        error: view.error ?? null,
      })),
    };
  }

  async close(): Promise<void> {
    this.monitor.stop();
    this.dashboard.close();
    this.listening = false;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closing;
    this.agent.destroy();
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = originForm(request.url ?? '/');
    if (path === undefined) {
      return sendJson(response, 400, encodeJsonError('ERR malformed request target: expected a path such as /get/key'));
    }
    const line = classifyRequestLine(method, path);
    if (line !== 'needsBody' && line.kind === 'preflight') {
      response.writeHead(204, preflightHeaders(this.options.config.cors, request.headers, ALLOWED_METHODS));
      response.end();
      return;
    }
    if (line !== 'needsBody' && line.kind === 'local') return this.local(line.endpoint, request, response);
    if (Number(request.headers['content-length'] ?? 0) > this.requestBytesMax) {
      return sendJson(response, 413, encodeJsonError(ERR_TOO_LARGE), { connection: 'close' });
    }
    let client: ClientLocation;
    let consistency: Consistency;
    try {
      client = this.clientOf(request);
      consistency = consistencyOf(request, this.defaultConsistency);
    } catch (error) {
      if (!hasMeridianCode(error, 'MERIDIAN_ROUTER_HEADER_INVALID')) throw error;
      return sendJson(response, 400, encodeJsonError(error.message));
    }
    const streamed = line !== 'needsBody' && line.kind === 'write';
    const body = streamed ? request : await readBody(request, this.requestBytesMax);
    if (body === undefined) return sendJson(response, 413, encodeJsonError(ERR_TOO_LARGE), { connection: 'close' });
    const requestClass = line === 'needsBody' ? classifyRequest(method, path, body as Buffer) : line;
    await this.route({ method, path, client, consistency, requestClass, body }, request, response);
  }

  /** Where the client is, from `x-meridian-region` / `x-meridian-location` (HeaderError when malformed). */
  private clientOf(request: http.IncomingMessage): ClientLocation {
    return locateClient(
      this.options.config,
      headerValue(request, REGION_HEADER),
      headerValue(request, LOCATION_HEADER),
    );
  }

  private decide(routed: RoutedRequest): RouteDecision {
    const byDistance = rankRegions(this.options.config, routed.client).map(
      (name) => this.monitor.view(name) as RegionView,
    );
    const isWrite = routed.requestClass.kind === 'write';
    // Event streams are long-lived: the nearest healthy region, whatever the staleness bound.
    const consistency: Consistency = routed.requestClass.kind === 'stream' ? { level: 'eventual' } : routed.consistency;
    return routeRequest({ isWrite, consistency }, byDistance);
  }

  private async route(
    routed: RoutedRequest,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const decision = this.decide(routed);
    if (decision.kind === 'unavailable') return this.unavailable(response, decision, routed);
    const isWrite = routed.requestClass.kind === 'write';
    const candidates = [decision.region, ...decision.fallbacks];
    const failures: string[] = [];
    for (const name of candidates) {
      const view = this.monitor.view(name) as RegionView;
      let result = await this.forwardTo(view, routed, request, response);
      if (result.kind === 'failed' && result.reusedSocket && Buffer.isBuffer(routed.body)) {
        result = await this.forwardTo(view, routed, request, response);
      }
      if (result.kind === 'answered') return;
      if (result.kind === 'tooLarge')
        return sendJson(response, 413, encodeJsonError(ERR_TOO_LARGE), { connection: 'close' });
      // A request that only timed out says the region is slow, not down: the status polls decide.
      if (!result.error.startsWith('no answer within')) this.monitor.markDown(name, result.error);
      failures.push(`${name} (${view.url}: ${result.error})`);
      if (isWrite || !Buffer.isBuffer(routed.body)) break;
    }
    if (isWrite || routed.consistency.level === 'strong')
      return this.unavailable(response, PRIMARY_UNREACHABLE, routed, failures);
    sendJson(response, 503, encodeJsonError(`ERR no region reachable: ${failures.join('; ')}`));
  }

  private forwardTo(
    view: RegionView,
    routed: RoutedRequest,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<ForwardResult> {
    const delayMs = this.addClientLatency ? clientDelayMs(this.options.config, routed.client, view.name) : 0;
    const forward: ForwardRequest = {
      method: routed.method,
      path: routed.path,
      headers: forwardedHeaders(request.headers, { [CONSISTENCY_HEADER]: formatConsistency(routed.consistency) }),
      body: routed.body,
      requestBytesMax: this.requestBytesMax,
      timeoutMs: routed.requestClass.kind === 'stream' ? undefined : this.forwardTimeoutMs,
      agent: this.agent,
      responseDelayMs: delayMs,
    };
    const target = {
      region: view.name,
      url: view.url,
      stalenessMs: view.stalenessMs,
      consistency: formatConsistency(routed.consistency),
    };
    const send = (): Promise<ForwardResult> => forwardOnce(target, forward, response);
    return delayMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(send()), delayMs)) : send();
  }

  private unavailable(
    response: http.ServerResponse,
    { code, reason }: { readonly code: UnavailableCode; readonly reason: string },
    routed: RoutedRequest,
    failures: string[] = [],
  ): void {
    const primary = this.monitor.view(this.options.config.primary) as RegionView;
    if (code === 'MERIDIAN_ROUTER_PRIMARY_UNREACHABLE') {
      const why = failures[0] ?? `${primary.name} (${primary.url}: ${primary.error ?? 'unhealthy'})`;
      const what = routed.requestClass.kind === 'write' ? 'writes' : 'strong reads';
      const message = `ERR primary unreachable: ${why}; ${what} fail until it is back, other reads keep working`;
      return sendJson(response, 503, encodeJsonError(message), { 'retry-after': '1' });
    }
    const message =
      routed.consistency.level === 'bounded'
        ? `ERR no replica within ${routed.consistency.stalenessMsMax} ms of staleness is reachable and the primary is unreachable`
        : `ERR ${reason}: every region is down or unreachable from the router`;
    sendJson(response, 503, encodeJsonError(message), { 'retry-after': '1' });
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
      client = this.clientOf(request);
    } catch (error) {
      if (!hasMeridianCode(error, 'MERIDIAN_ROUTER_HEADER_INVALID')) throw error;
      return refuseUpgrade(socket, 400, 'Bad Request', error.message);
    }
    const byDistance = rankRegions(this.options.config, client).map((name) => this.monitor.view(name) as RegionView);
    const decision = routeRequest({ isWrite: false, consistency: { level: 'eventual' } }, byDistance);
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
      const result = await proxyUpgrade(view.url, request, socket, head);
      if (result.kind === 'done') return;
      this.monitor.markDown(name, result.error);
      failures.push(`${name} (${view.url}: ${result.error})`);
      if (socket.destroyed) return;
    }
    refuseUpgrade(socket, 503, 'Service Unavailable', `ERR no region reachable: ${failures.join('; ')}`);
  }

  private local(endpoint: string, request: http.IncomingMessage, response: http.ServerResponse): void {
    if (this.dashboard.serve(endpoint, bearerOrQueryToken(request), request, response)) return;
    request.resume();
    if (endpoint === 'health') {
      return sendJson(
        response,
        this.listening ? 200 : 503,
        this.listening ? '{"status":"ok"}' : '{"status":"starting"}',
      );
    }
    if (endpoint !== 'status')
      return sendJson(response, 404, encodeJsonError(`ERR unknown endpoint /_meridian/${endpoint} on the router`));
    const credential = bearerOrQueryToken(request);
    if (this.statusToken !== undefined && !this.statusToken.matches(credential)) {
      return sendJson(response, 401, encodeJsonError(ERR_AUTH));
    }
    sendJson(response, 200, JSON.stringify(this.status()));
  }
}

function bearerOrQueryToken(request: http.IncomingMessage): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(headerValue(request, 'authorization') ?? '');
  if (match?.[1] !== undefined) return match[1];
  return new URL(request.url ?? '/', 'http://router').searchParams.get('_token') ?? undefined;
}

/** Creates a router and starts it (polls every region once, then listens). */
export async function startRouter(options: RouterOptions): Promise<MeridianRouter> {
  const router = new MeridianRouter(options);
  await router.start();
  return router;
}

/**
 * The request target in origin form (`/get/x?y`): an absolute-form target (`http://host/get/x`,
 * which HTTP/1.1 servers must accept) keeps only its path and query; undefined when unusable.
 */
export function originForm(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}
