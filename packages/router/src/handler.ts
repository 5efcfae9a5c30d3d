import { hasMeridianCode } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import {
  ALLOWED_METHODS,
  CORS_HEADERS,
  ERR_AUTH,
  ERR_TOO_LARGE,
  REQUEST_BYTES_MAX_DEFAULT,
  type RestRequest,
  SERVED_BY_HEADER,
  STALENESS_HEADER,
  SYNC_TOKEN_HEADER,
  SecretToken,
  applyCorsPolicy,
  encodeJsonError,
  parseSyncToken,
  preflightHeaders,
} from '@meridian/rest';
import type { TopologyConfig } from '@meridian/topology';
import { type RequestClass, classifyRequest, classifyRequestLine, isPipelineTarget } from './classify.js';
import { type Consistency, formatConsistency, parseConsistency } from './consistency.js';
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
import type { RegionView } from './monitor.js';
import {
  type AnswerStream,
  HOP_BY_HOP_HEADERS,
  type HeaderMap,
  type RegionAnswer,
  type RegionCallResult,
  type RegionClient,
  type RegionRequest,
} from './region-client.js';
import { PRIMARY_UNREACHABLE, type RouteDecision, routeRequest, routeScratch, type UnavailableCode } from './route.js';

/** What the router answers: a whole body, or a stream the HTTP adapter pipes (and cancels if the client leaves). */
export interface RouterResponse {
  readonly status: number;
  readonly headers: Record<string, string | readonly string[]>;
  readonly body: string | Uint8Array | AnswerStream;
  /**
   * The same headers as lines to write as they are ("name: value\r\n" each, no content-length):
   * a forwarded answer whose region's head was kept (`RegionAnswer.lines`). `headers` is then built
   * only when read.
   */
  readonly head?: string | undefined;
  /** Whether `head` holds a date. */
  readonly dated?: boolean | undefined;
  /** The region that answered a forwarded request (its served-by header); absent for the router's own answers. */
  readonly servedBy?: string | undefined;
}

/**
 * A region's answer passed on with the header lines it came with (`RegionAnswer.lines`) and the
 * router's own after them: nothing parsed into a map and written out again. `headers` gives the
 * same headers as a map when something reads them (a test, node:http's writeHead for TLS, a CORS
 * policy that lists origins).
 */
class PassedOn implements RouterResponse {
  readonly status: number;
  readonly body: Uint8Array | AnswerStream;
  readonly head: string;
  readonly dated: boolean;
  readonly servedBy: string;
  private built: Record<string, string | readonly string[]> | undefined;

  constructor(
    private readonly answer: RegionAnswer,
    lines: string,
    private readonly consistency: string,
    servedBy: string | undefined,
    private readonly stalenessMs: string | undefined,
  ) {
    this.status = answer.status;
    this.body = answer.body;
    this.dated = answer.dated === true;
    this.servedBy = answer.servedBy ?? (servedBy as string);
    let head = `${lines}${CONSISTENCY_HEADER}: ${consistency}\r\n`;
    if (servedBy !== undefined) head += `${SERVED_BY_HEADER}: ${servedBy}\r\n`;
    if (stalenessMs !== undefined) head += `${STALENESS_HEADER}: ${stalenessMs}\r\n`;
    this.head = head;
  }

  get headers(): Record<string, string | readonly string[]> {
    this.built ??= regionHeaders(this.answer.headers, this.consistency, this.servedBy, this.stalenessMs);
    return this.built;
  }

  /** As a plain answer whose headers may be changed (a CORS policy that lists origins). */
  plain(): RouterResponse {
    return { status: this.status, headers: { ...this.headers }, body: this.body };
  }
}

/** The headers of a region's answer as the router passes them on: its hop-by-hop ones dropped, the router's own added. */
function regionHeaders(
  headers: HeaderMap,
  consistency: string,
  servedBy: string,
  stalenessMs: string | undefined,
): Record<string, string | readonly string[]> {
  const out = forwardedHeaders(headers, consistency);
  if (out[SERVED_BY_HEADER] === undefined) out[SERVED_BY_HEADER] = servedBy;
  if (out[STALENESS_HEADER] === undefined && stalenessMs !== undefined) out[STALENESS_HEADER] = stalenessMs;
  return out;
}

/** The router's view of the regions (RegionMonitor: polled `/_meridian/status`). */
export interface RegionViews {
  view(name: string): RegionView | undefined;
  all(): RegionView[];
  /** A forward could not connect: skip the region until its next good poll. */
  markDown(name: string, error: string): void;
  /**
   * True when `view(name)` is the same object for a name every time, one that reads the region's
   * state when asked (the simulator's views): the planner then looks a ranking's views up once,
   * not per request. The RegionMonitor replaces a region's view at every poll and leaves it unset.
   */
  readonly viewsFixed?: boolean;
}

export interface RoutePlannerOptions {
  /** The topology, with secrets already applied. */
  readonly config: TopologyConfig;
  readonly views: RegionViews;
  readonly requestBytesMax?: number;
  /** Default: config.router.addClientLatency. */
  readonly addClientLatency?: boolean;
}

export interface RouterHandlerOptions extends RoutePlannerOptions {
  readonly client: RegionClient;
  /** Timers for the modelled client latency (`addClientLatency`). */
  readonly clock: Clock;
  /** Upper bound on one forwarded request (event streams have none). */
  readonly forwardTimeoutMs: number;
}

/** What the router does with a request (`RouterHandler.plan`). */
export type RoutePlan =
  /** `reason`: why no region can serve it, when that is the answer ('primary unreachable', …). */
  | { readonly kind: 'answer'; readonly response: RouterResponse; readonly reason?: string }
  | {
      readonly kind: 'forward';
      readonly routed: RoutedRequest;
      /** The regions to try, in order (a write or strong read: the primary alone). */
      readonly regions: readonly string[];
      readonly reason: string;
    };

/** A plan the router answers itself. */
export type AnswerPlan = Extract<RoutePlan, { readonly kind: 'answer' }>;

const answer = (response: RouterResponse): AnswerPlan => ({ kind: 'answer', response });

/** Distinct header values remembered parsed (locations, consistencies); past this the memory starts over. */
const PARSED_HEADERS_MAX = 1024;
const SESSION: Consistency = { level: 'session' };
const EVENTUAL: Consistency = { level: 'eventual' };

export interface RoutedRequest {
  readonly request: RouterRequest;
  readonly path: string;
  readonly client: ClientLocation;
  readonly consistency: Consistency;
  readonly requestClass: RequestClass;
}

/** A client location's ranking (`RoutePlanner.byDistanceNow`): its regions' names and views, nearest first. */
interface RankedViews {
  readonly client: ClientLocation;
  readonly names: readonly string[];
  readonly views: RegionView[];
  /** The views are in `views` for good (the RegionViews are fixed). */
  fixed: boolean;
}

type MutableRoutedRequest = { -readonly [K in keyof RoutedRequest]: RoutedRequest[K] };
type MutableForwardPlan = {
  kind: 'forward';
  routed: RoutedRequest;
  regions: string[];
  reason: string;
};

/** Headers that describe one hop, never forwarded. */
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

/** Request headers the router does not pass on as they came: the hop's, the framing, and the consistency it writes itself. */
export const UNFORWARDED_HEADERS: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'content-length',
  CONSISTENCY_HEADER,
]);

/** A request as the router's front door reads it: with its header lines as they came but UNFORWARDED_HEADERS, when it has them. */
export interface RouterRequest extends RestRequest {
  readonly lines?: string | undefined;
}

/** A request as forwarded to a region: `headers` built only when a client reads them (the socket client writes `lines`). */
class ForwardedRequest implements RegionRequest {
  readonly method: string;
  readonly body: Uint8Array;
  readonly lines: string | undefined;
  private built: Record<string, string | readonly string[]> | undefined;

  constructor(
    private readonly request: RouterRequest,
    readonly path: string,
    private readonly consistency: string,
    readonly timeoutMs: number | undefined,
    readonly pipelinable: boolean,
  ) {
    this.method = request.method;
    this.body = request.body;
    this.lines = request.lines === undefined ? undefined : `${request.lines}${CONSISTENCY_HEADER}: ${consistency}\r\n`;
  }

  get headers(): Record<string, string | readonly string[]> {
    this.built ??= forwardedHeaders(this.request.headers, this.consistency);
    return this.built;
  }
}

/** `headers` without hop-by-hop ones, plus the request's consistency (`x-meridian-consistency`). */
export function forwardedHeaders(headers: HeaderMap, consistency: string): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  out[CONSISTENCY_HEADER] = consistency;
  return out;
}

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

function json(status: number, body: string, extra: Record<string, string> = {}): RouterResponse {
  return { status, headers: { ...CORS_HEADERS, 'content-type': 'application/json', ...extra }, body };
}

/** The bearer token, or `?_token=` (the dashboard's EventSource cannot send headers). */
export function bearerOrQueryToken(request: { readonly url: string; readonly headers: HeaderMap }): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(headerValue(request.headers, 'authorization') ?? '');
  if (match?.[1] !== undefined) return match[1];
  const mark = request.url.indexOf('?');
  if (mark < 0) return undefined;
  return new URLSearchParams(request.url.slice(mark + 1)).get('_token') ?? undefined;
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

/**
 * What the router decides, synchronously and without I/O: `plan` classifies a request, reads its
 * client location and consistency, and picks the regions to try (`routeRequest`), or answers it
 * itself. The simulator plans every request it models with this class.
 */
export class RoutePlanner {
  /** false until the adapter listens; `/_meridian/health` answers 503 meanwhile. */
  ready = false;
  private readonly statusToken: SecretToken | undefined;
  private readonly defaultConsistency: Consistency;
  readonly requestBytesMax: number;
  readonly addClientLatency: boolean;

  constructor(protected readonly options: RoutePlannerOptions) {
    const auth = options.config.auth;
    const guard = auth.adminToken ?? auth.token;
    this.statusToken = guard === undefined ? undefined : new SecretToken(guard);
    this.defaultConsistency = parseConsistency(options.config.router.defaultConsistency) ?? { level: 'eventual' };
    this.requestBytesMax = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
    this.addClientLatency = options.addClientLatency ?? options.config.router.addClientLatency;
  }

  /** The router's view of every region (its `/_meridian/status`). */
  status(): Record<string, unknown> {
    const { config, views } = this.options;
    return {
      role: 'router',
      ready: this.ready,
      region: config.router.region,
      primary: views.all().find((view) => view.isPrimary)?.name ?? config.primary,
      defaultConsistency: formatConsistency(this.defaultConsistency),
      addClientLatency: this.addClientLatency,
      regions: views.all().map((view) => ({
        name: view.name,
        url: view.url,
        isPrimary: view.isPrimary,
        role: view.role ?? null,
        epoch: view.epoch ?? null,
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

  /**
   * Locations by header values (region, then location: no key made per request), and consistencies
   * by header: a few distinct values, asked per request.
   */
  private readonly locations = new Map<string, Map<string, ClientLocation>>();
  private locationCount = 0;
  private readonly consistencies = new Map<string, Consistency>();
  /**
   * Per client location, its ranking and an array the regions' views are put in per decision
   * (`decide`), once for good when the views are fixed (`RegionViews.viewsFixed`); the last one
   * asked for is at hand (requests come from one location after another).
   */
  private readonly rankedViews = new WeakMap<ClientLocation, RankedViews>();
  private lastRanked: RankedViews | undefined;
  /** The route request `decide` hands `routeRequest`, which keeps nothing of it. */
  private readonly routeScratch: { isWrite: boolean; consistency: Consistency } = {
    isWrite: false,
    consistency: SESSION,
  };
  /** What a transient `plan` fills in and returns, made once. */
  private readonly transientRouted: MutableRoutedRequest = {
    request: undefined as unknown as RestRequest,
    path: '',
    client: undefined as unknown as ClientLocation,
    consistency: SESSION,
    requestClass: undefined as unknown as RequestClass,
  };
  private readonly transientRegions: string[][] = [];
  /** The decision a transient `plan` has `routeRequest` fill in. */
  private readonly transientDecision = routeScratch();
  private readonly transientPlan: MutableForwardPlan = {
    kind: 'forward',
    routed: this.transientRouted,
    regions: [],
    reason: '',
  };

  /** Where the client is, from `x-meridian-region` / `x-meridian-location` (HeaderError when malformed). */
  clientOf(headers: HeaderMap): ClientLocation {
    const region = headerValue(headers, REGION_HEADER);
    const location = headerValue(headers, LOCATION_HEADER);
    let byLocation = this.locations.get(region ?? '');
    let client = byLocation?.get(location ?? '');
    if (client === undefined) {
      client = locateClient(this.options.config, region, location);
      if (this.locationCount >= PARSED_HEADERS_MAX) {
        this.locations.clear();
        this.locationCount = 0;
        byLocation = undefined;
      }
      if (byLocation === undefined) this.locations.set(region ?? '', (byLocation = new Map()));
      byLocation.set(location ?? '', client);
      this.locationCount++;
    }
    return client;
  }

  /** The regions nearest first, as the router sees them now. */
  byDistance(client: ClientLocation): RegionView[] {
    return rankRegions(this.options.config, client).map((name) => this.options.views.view(name) as RegionView);
  }

  /**
   * `byDistance` into an array kept per client location: valid until the next decision for that
   * location (`routeRequest` keeps nothing of it). The views are asked for in the same order.
   */
  private byDistanceNow(client: ClientLocation): readonly RegionView[] {
    let ranked = this.lastRanked;
    if (ranked?.client !== client) {
      ranked = this.rankedViews.get(client);
      if (ranked === undefined) {
        const names = rankRegions(this.options.config, client);
        ranked = { client, names, views: new Array<RegionView>(names.length), fixed: false };
        this.rankedViews.set(client, ranked);
      }
      this.lastRanked = ranked;
    }
    if (ranked.fixed) return ranked.views;
    const { names, views } = ranked;
    const regionViews = this.options.views;
    for (let i = 0; i < names.length; i++) views[i] = regionViews.view(names[i] as string) as RegionView;
    ranked.fixed = regionViews.viewsFixed === true;
    return views;
  }

  /**
   * Everything the router decides about a request, synchronously and without I/O: its own answer
   * (preflight, local endpoints, refusals), or the regions to try in order: `read`, then `route`.
   * `handle` runs this and then forwards; the simulator runs the same two for every read it models.
   *
   * `transient`: the caller keeps nothing of a forward plan past its next call (the simulator plans
   * every read it models and looks only at the first region). The decision is the same, but a
   * forward plan, its routed request and its region list are the planner's own, overwritten by the
   * next transient call.
   */
  plan(request: RestRequest, transient = false): RoutePlan {
    const routed = this.read(request, transient);
    return 'kind' in routed ? routed : this.route(routed, transient);
  }

  /**
   * The first half of `plan`: what the router reads of a request (its path, class, client location
   * and consistency), or its own answer (preflight, local endpoints, refusals). It depends on the
   * request alone, so a caller that sends many alike (the simulator: every GET of one client) may
   * read one and have `route` decide each. `transient` as for `plan`: the routed request is then
   * the planner's own, overwritten by the next transient call.
   */
  read(request: RestRequest, transient = false): RoutedRequest | AnswerPlan {
    const path = originForm(request.url);
    if (path === undefined) {
      return answer(json(400, encodeJsonError('ERR malformed request target: expected a path such as /get/key')));
    }
    const line = classifyRequestLine(request.method, path);
    if (line !== 'needsBody' && line.kind === 'preflight') {
      const headers = preflightHeaders(this.options.config.cors, request.headers, ALLOWED_METHODS);
      return answer({ status: 204, headers, body: '' });
    }
    if (line !== 'needsBody' && line.kind === 'local') return answer(this.local(line.endpoint, request));
    if (request.body.byteLength > this.requestBytesMax) {
      return answer(json(413, encodeJsonError(ERR_TOO_LARGE), { connection: 'close' }));
    }
    let client: ClientLocation;
    let consistency: Consistency;
    try {
      client = this.clientOf(request.headers);
      consistency = this.consistencyOf(request.headers);
    } catch (error) {
      if (!hasMeridianCode(error, 'MERIDIAN_ROUTER_HEADER_INVALID')) throw error;
      return answer(json(400, encodeJsonError(error.message)));
    }
    const requestClass = line === 'needsBody' ? classifyRequest(request.method, path, request.body) : line;
    if (!transient) return { request, path, client, consistency, requestClass };
    const reused = this.transientRouted;
    reused.request = request;
    reused.path = path;
    reused.client = client;
    reused.consistency = consistency;
    reused.requestClass = requestClass;
    return reused;
  }

  /**
   * The second half of `plan`: the regions to try for a request `read` made, as the router sees
   * them now (or its answer when none can serve it). `transient` as for `plan`.
   */
  route(routed: RoutedRequest, transient = false): RoutePlan {
    const decision = this.decide(routed, transient);
    if (decision.kind === 'unavailable') {
      return { kind: 'answer', response: this.unavailable(decision, routed), reason: decision.reason };
    }
    if (!transient) {
      return { kind: 'forward', routed, regions: [decision.region, ...decision.fallbacks], reason: decision.reason };
    }
    // One list per length, refilled (emptying an array and pushing again costs a new backing store).
    const size = 1 + decision.fallbacks.length;
    let regions = this.transientRegions[size];
    if (regions === undefined) this.transientRegions[size] = regions = new Array<string>(size);
    regions[0] = decision.region;
    for (let i = 1; i < size; i++) regions[i] = decision.fallbacks[i - 1] as string;
    const reused = this.transientPlan;
    reused.routed = routed;
    reused.regions = regions;
    reused.reason = decision.reason;
    return reused;
  }

  /** The consistency a request asks for: the header, else `session` with a sync token, else the default. */
  private consistencyOf(headers: HeaderMap): Consistency {
    const header = headerValue(headers, CONSISTENCY_HEADER);
    if (header !== undefined && header.trim() !== '') {
      const known = this.consistencies.get(header);
      if (known !== undefined) return known;
      const parsed = parseConsistency(header);
      if (parsed === undefined) {
        throw new HeaderError(
          `ERR ${CONSISTENCY_HEADER} must be eventual, session, bounded=<ms> or strong, got "${header}"`,
        );
      }
      if (this.consistencies.size >= PARSED_HEADERS_MAX) this.consistencies.clear();
      this.consistencies.set(header, parsed);
      return parsed;
    }
    if (parseSyncToken(headerValue(headers, SYNC_TOKEN_HEADER)) !== undefined) return SESSION;
    return this.defaultConsistency;
  }

  private decide(routed: RoutedRequest, transient: boolean): RouteDecision {
    const isWrite = routed.requestClass.kind === 'write';
    // Event streams are long-lived: the nearest healthy region, whatever the staleness bound.
    const scratch = this.routeScratch;
    scratch.isWrite = isWrite;
    scratch.consistency = routed.requestClass.kind === 'stream' ? EVENTUAL : routed.consistency;
    return routeRequest(scratch, this.byDistanceNow(routed.client), transient ? this.transientDecision : undefined);
  }

  protected unavailable(
    { code, reason }: { readonly code: UnavailableCode; readonly reason: string },
    routed: RoutedRequest,
    failures: string[] = [],
  ): RouterResponse {
    if (code === 'MERIDIAN_ROUTER_PRIMARY_UNREACHABLE') {
      const primary =
        this.options.views.all().find((view) => view.isPrimary) ??
        (this.options.views.view(this.options.config.primary) as RegionView);
      const why = failures[0] ?? `${primary.name} (${primary.url}: ${primary.error ?? 'unhealthy'})`;
      const what = routed.requestClass.kind === 'write' ? 'writes' : 'strong reads';
      const message = `ERR primary unreachable: ${why}; ${what} fail until it is back, other reads keep working`;
      return json(503, encodeJsonError(message), { 'retry-after': '1' });
    }
    const message =
      routed.consistency.level === 'bounded'
        ? `ERR no replica within ${routed.consistency.stalenessMsMax} ms of staleness is reachable and the primary is unreachable`
        : `ERR ${reason}: every region is down or unreachable from the router`;
    return json(503, encodeJsonError(message), { 'retry-after': '1' });
  }

  private local(endpoint: string, request: RestRequest): RouterResponse {
    if (endpoint === 'health') {
      return json(this.ready ? 200 : 503, this.ready ? '{"status":"ok"}' : '{"status":"starting"}');
    }
    if (endpoint !== 'status')
      return json(404, encodeJsonError(`ERR unknown endpoint /_meridian/${endpoint} on the router`));
    if (this.statusToken !== undefined && !this.statusToken.matches(bearerOrQueryToken(request))) {
      return json(401, encodeJsonError(ERR_AUTH));
    }
    return json(200, JSON.stringify(this.status()));
  }
}

/**
 * The geo-router as a function: `(RestRequest) => Promise<RouterResponse>`. It plans (RoutePlanner),
 * forwards through the RegionClient port, fails over between replicas, and adds the modelled client
 * latency on the Clock port. No socket, no Node built-in: node:http is a thin adapter (server.ts).
 */
export class RouterHandler extends RoutePlanner {
  constructor(private readonly io: RouterHandlerOptions) {
    super(io);
  }

  handle(request: RouterRequest): Promise<RouterResponse> {
    let plan: RoutePlan;
    try {
      plan = this.plan(request);
    } catch (error) {
      return Promise.reject(error);
    }
    if (plan.kind === 'answer') return Promise.resolve(this.withCors(plan.response, request));
    const { routed, regions } = plan;
    const view = this.options.views.view(regions[0] as string) as RegionView;
    if (this.clientDelayMs(routed, view) > 0)
      return this.forward(plan).then((answer) => this.withCors(answer, request));
    // The common case without a modelled client latency: one promise from the socket to the answer.
    return this.forwardTo(view, routed).then((result) =>
      result.kind === 'answered'
        ? this.withCors(this.answerHeaders(view, routed, result.answer), request)
        : this.forward(plan, result).then((answer) => this.withCors(answer, request)),
    );
  }

  private withCors(response: RouterResponse, request: RestRequest): RouterResponse {
    const policy = this.options.config.cors;
    // Answers already allow any origin: a policy of `*` changes nothing (applyCorsPolicy returns at once).
    if (policy.allowedOrigins === '*') return response;
    const changed = response instanceof PassedOn ? response.plain() : response;
    applyCorsPolicy(changed.headers, policy, headerValue(request.headers, 'origin'));
    return changed;
  }

  /** Tries each region in turn; `first` is what the first region already answered. */
  private async forward(
    { routed, regions }: Extract<RoutePlan, { kind: 'forward' }>,
    first?: RegionCallResult,
  ): Promise<RouterResponse> {
    const isWrite = routed.requestClass.kind === 'write';
    const failures: string[] = [];
    for (const name of regions) {
      const view = this.options.views.view(name) as RegionView;
      let result = name === regions[0] && first !== undefined ? first : await this.forwardTo(view, routed);
      if (result.kind === 'failed' && result.retryable) result = await this.forwardTo(view, routed);
      if (result.kind === 'answered') return this.answered(view, routed, result.answer);
      // A request that only timed out says the region is slow, not down: the status polls decide.
      if (!result.timedOut) this.options.views.markDown(name, result.error);
      failures.push(`${name} (${view.url}: ${result.error})`);
      if (isWrite) break;
    }
    if (isWrite || routed.consistency.level === 'strong')
      return this.unavailable(PRIMARY_UNREACHABLE, routed, failures);
    return json(503, encodeJsonError(`ERR no region reachable: ${failures.join('; ')}`));
  }

  private forwardTo(view: RegionView, routed: RoutedRequest): Promise<RegionCallResult> {
    const delayMs = this.clientDelayMs(routed, view);
    if (delayMs > 0) return this.clientLatency(delayMs).then(() => this.send(view, routed));
    return this.send(view, routed);
  }

  private send(view: RegionView, routed: RoutedRequest): Promise<RegionCallResult> {
    const { requestClass } = routed;
    const forwarded = new ForwardedRequest(
      routed.request,
      routed.path,
      formatConsistency(routed.consistency),
      requestClass.kind === 'stream' ? undefined : this.io.forwardTimeoutMs,
      // A session read may wait at the region for its token's offset, a bounded one be handed on
      // to the primary, a /pipeline run in slices: each would hold up the reads pipelined behind it.
      requestClass.kind === 'read' &&
        (routed.consistency.level === 'eventual' || routed.consistency.level === 'strong') &&
        !isPipelineTarget(routed.path),
    );
    return this.io.client.send(view.url, forwarded);
  }

  /** The modelled one-way latency between the client and the region, when the router adds it (else 0). */
  private clientDelayMs(routed: RoutedRequest, view: RegionView): number {
    return this.addClientLatency ? clientDelayMs(this.options.config, routed.client, view.name) : 0;
  }

  private clientLatency(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.io.clock.setTimer(delayMs, resolve));
  }

  private async answered(view: RegionView, routed: RoutedRequest, answer: RegionAnswer): Promise<RouterResponse> {
    const delayMs = this.clientDelayMs(routed, view);
    if (delayMs > 0) await this.clientLatency(delayMs);
    return this.answerHeaders(view, routed, answer);
  }

  /** The region's answer as the router passes it on: its hop-by-hop headers dropped, the router's own added. */
  private answerHeaders(view: RegionView, routed: RoutedRequest, answer: RegionAnswer): RouterResponse {
    const consistency = formatConsistency(routed.consistency);
    const stalenessMs = Number.isFinite(view.stalenessMs) ? String(Math.round(view.stalenessMs)) : undefined;
    if (answer.lines !== undefined) {
      return new PassedOn(
        answer,
        answer.lines,
        consistency,
        answer.servedBy === undefined ? view.name : undefined,
        answer.stalenessMs === undefined ? stalenessMs : undefined,
      );
    }
    const headers = regionHeaders(answer.headers, consistency, view.name, stalenessMs);
    return { status: answer.status, headers, body: answer.body };
  }
}
