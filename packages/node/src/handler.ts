import type { NodeMetrics } from './metrics.js';
import { WATCH_OFFSET_HEADER } from './resp/execution.js';
import { type ByteString, hasMeridianCode, type Reply, ReplyError } from '@meridian/engine';
import {
  ALLOWED_METHODS,
  CORS_HEADERS,
  CORS_POLICY_DEFAULT,
  type CorsPolicy,
  type ParsedRestRequest,
  type RestAuth,
  type RestCall,
  type RestRequest,
  type SyncToken,
  type SecretToken,
  ERR_AUTH,
  SERVED_BY_HEADER,
  STALENESS_HEADER,
  CORS_EXPOSE_HEADERS,
  commandRefusal,
  preflightHeaders,
  encodeJsonEntries,
  encodeJsonError,
  encodeJsonResult,
  encodeResp,
  encodeRespAll,
  parseRestRequest,
} from '@meridian/rest';
import { DURABILITY_HEADER, parseConsistency } from '@meridian/core';
import type {
  BatchOutcome,
  CommandBatch,
  CommandRouter,
  RestResponse as CoreResponse,
  RunResult,
} from '@meridian/core';
import { NodeLinks } from './links.js';
import { TRANSACTION_COMMANDS_MAX_DEFAULT, transactionTooLarge } from './pipeline-slices.js';
import { REPLY_BYTES_MAX_DEFAULT, replyBytes, replyTooLarge } from './reply-size.js';
import { TIMING_HEADER } from './timing.js';
import { isReadOnlyRequest, type TrafficStats } from './traffic.js';
import { type Report, reportToStderr } from '@meridian/metrics';

/** An HTTP answer, independent of any socket (core's, with the node's Buffer body). */
export interface RestResponse extends CoreResponse {
  readonly body: string | Buffer;
}

/** A forwarded answer (core's port gives bytes) as the node's response. */
function asNodeResponse(response: CoreResponse): RestResponse {
  const body = response.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return { ...response, body };
  return { ...response, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
}

/** The `/_meridian/*` endpoints a node serves besides health. */
export interface AdminEndpoints {
  readonly isReady: () => boolean;
  /** The body of `/_meridian/health` (status 200 when ready, else 503). */
  readonly health: () => Record<string, unknown>;
  readonly status: () => unknown;
  /** `{ offset, digest }` of the keyspace, for convergence checks. */
  readonly digest: () => { offset: number; digest: string };
  /** The links this node sends on; undefined: no lag injection. */
  readonly links: NodeLinks | undefined;
  /** POST /_meridian/failover/<action> (fence, unfence, promote, follow): see docs/failover.md. */
  readonly failover?: (action: string, body: unknown) => { status: number; body: unknown };
  /** POST /_meridian/election: automatic failover's messages between regions (admin token). */
  readonly election?: {
    receive(message: unknown): { reply: unknown } | { error: string };
  };
}

export interface RestHandlerOptions {
  readonly router: CommandRouter;
  /** Where failures go (default stderr). */
  readonly report?: Report;
  /** undefined: no authentication (insecureNoAuth on loopback). */
  readonly auth: RestAuth | undefined;
  /** Guards admin endpoints; when undefined the standard token does. */
  readonly adminToken: SecretToken | undefined;
  readonly requestBytesMax: number;
  readonly region: string | undefined;
  readonly admin: AdminEndpoints;
  /** Raw bytes one answer may carry (default REPLY_BYTES_MAX_DEFAULT). */
  readonly replyBytesMax?: number;
  /** Commands one /multi-exec may hold (default TRANSACTION_COMMANDS_MAX_DEFAULT). */
  readonly transactionCommandsMax?: number;
  /** Allowed origins (regions.yaml `cors`); default any (`*`). The HTTP adapter applies it to every answer. */
  readonly cors?: CorsPolicy;
  /** Counts answered commands and read latency for `/_meridian/status` (none: not measured). */
  readonly traffic?: TrafficStats;
  /** Prometheus metrics: every answered command request is recorded; `/metrics` scrapes them. */
  readonly metrics?: NodeMetrics;
  /** May scrape `/metrics` besides the admin token (MERIDIAN_METRICS_TOKEN). */
  readonly metricsToken?: SecretToken | undefined;
  /**
   * Whether any of `keys` may have changed after `offset` (the primary's RecentWrites): a replica's
   * forwarded EXEC with WATCHed keys runs only when none did.
   */
  readonly watchGuard?: (keys: readonly ByteString[], offset: number) => boolean;
  /** Why a sync token names a write this node's history lost in a failover (undefined: it does not). */
  readonly lostWrite?: (token: SyncToken) => string | undefined;
  /**
   * Adds this node's own commit or apply time to the answer of a request that asked for it
   * (`x-meridian-timing`, see timing.ts); `requestOffset` is the request's sync token's offset.
   */
  readonly timing?: (headers: Record<string, string>, requestOffset: number | undefined) => void;
}

type CommandCall = RestCall & Extract<ParsedRestRequest, { kind: 'command' | 'pipeline' | 'transaction' }>;

const JSON_TYPE = 'application/json';
const RESP_TYPE = 'application/octet-stream';
const ERR_INTERNAL = 'ERR internal error';
const ERR_ADMIN_FAILED = 'MERIDIAN_ADMIN_FAILED';
const ERR_NO_STREAMS = 'ERR event streams (/subscribe, /psubscribe, /monitor) are not available on this node';

const CONSISTENCY_HEADER = 'x-meridian-consistency';
/** `x-meridian-consistency` (the one parser, in @meridian/core); anything unparseable counts as absent. */
export { parseConsistency };

/** A command's name as a metric label (NodeMetrics turns unusual ones into `other`). */
function commandName(name: ByteString | undefined): string {
  return name === undefined ? 'unknown' : name.toLowerCase();
}

/** Answers parsed REST requests with a `CommandRouter`; callable without a socket. */
export class RestHandler {
  constructor(private readonly options: RestHandlerOptions) {}

  parse(request: RestRequest): ParsedRestRequest {
    return parseRestRequest(request, { auth: this.options.auth, requestBytesMax: this.options.requestBytesMax });
  }

  handle(request: RestRequest): RestResponse | Promise<RestResponse> {
    if (RestHandler.isScrape(request.url)) return this.scrape(request);
    return this.respond(this.parse(request), request);
  }

  respond(parsed: ParsedRestRequest, request: RestRequest): RestResponse | Promise<RestResponse> {
    switch (parsed.kind) {
      case 'preflight':
        return {
          status: 204,
          headers: preflightHeaders(this.options.cors ?? CORS_POLICY_DEFAULT, request.headers, ALLOWED_METHODS),
          body: '',
        };
      case 'failure': {
        const response = this.plain(parsed.status, encodeJsonError(parsed.error));
        if (parsed.status === 405) response.headers['allow'] = ALLOWED_METHODS;
        return response;
      }
      case 'admin':
        return this.admin(parsed.name, parsed.credential, request);
      case 'stream':
        return this.plain(501, encodeJsonError(ERR_NO_STREAMS));
      default:
        return this.call(parsed, request);
    }
  }

  /** A JSON answer without a sync token (request-level failures, admin endpoints). */
  plain(status: number, body: string): RestResponse {
    return { status, headers: { ...CORS_HEADERS, 'content-type': JSON_TYPE }, body };
  }

  private admin(name: string, credential: string | undefined, request: RestRequest): RestResponse {
    const admin = this.options.admin;
    if (name === 'health') {
      return this.plain(admin.isReady() ? 200 : 503, JSON.stringify(admin.health()));
    }
    const post = request.method === 'POST';
    if (name.startsWith('failover/') && admin.failover !== undefined) {
      if (!this.isAdmin(credential)) return this.plain(401, encodeJsonError(ERR_AUTH));
      if (!post) return this.plain(405, encodeJsonError(`ERR /_meridian/${name} answers POST only`));
      let body: unknown = {};
      try {
        if (request.body.length > 0) body = JSON.parse(request.body.toString('utf8'));
      } catch {
        return this.plain(400, encodeJsonError('ERR body: must be JSON'));
      }
      const answer = admin.failover(name.slice('failover/'.length), body);
      return this.plain(answer.status, JSON.stringify(answer.body));
    }
    if (name === 'election' && admin.election !== undefined) {
      if (!this.isAdmin(credential)) return this.plain(401, encodeJsonError(ERR_AUTH));
      if (!post) return this.plain(405, encodeJsonError('ERR /_meridian/election answers POST only'));
      let message: unknown;
      try {
        message = JSON.parse(request.body.toString('utf8'));
      } catch {
        return this.plain(400, encodeJsonError('ERR body: must be JSON'));
      }
      const answer = admin.election.receive(message);
      if ('error' in answer) return this.plain(400, encodeJsonError(`ERR ${answer.error}`));
      return this.plain(200, JSON.stringify(answer.reply ?? null));
    }
    if (name !== 'status' && name !== 'digest' && name !== 'lag') {
      return this.plain(404, encodeJsonError(`ERR unknown endpoint /_meridian/${name}`));
    }
    if (!this.isAdmin(credential)) return this.plain(401, encodeJsonError(ERR_AUTH));
    if (name === 'lag' && !post) return this.plain(200, JSON.stringify({ links: admin.links?.views() ?? [] }));
    if (name === 'lag') return this.changeLag(request.body);
    if (post) return this.plain(405, encodeJsonError(`ERR /_meridian/${name} answers GET only`));
    try {
      return this.plain(200, JSON.stringify(name === 'status' ? admin.status() : admin.digest()));
    } catch (error) {
      // An admin endpoint answers its failure as an error; it never takes the node down.
      this.report(`meridian: /_meridian/${name} failed: ${errorText(error)}`, {
        event: 'admin.failed',
        level: 'error',
        fields: { endpoint: name, stack: errorStack(error) },
      });
      return this.plain(500, encodeJsonError(`${ERR_ADMIN_FAILED} /_meridian/${name} failed`));
    }
  }

  /** Whether `credential` opens admin endpoints (the admin token, or the standard one without it). */
  isAdminCredential(credential: string | undefined): boolean {
    return this.isAdmin(credential);
  }

  private isAdmin(credential: string | undefined): boolean {
    const { adminToken, auth } = this.options;
    if (adminToken !== undefined) return adminToken.matches(credential);
    return auth === undefined || auth.authenticate(credential) === 'standard';
  }

  private changeLag(body: Buffer): RestResponse {
    const links = this.options.admin.links;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return this.plain(400, encodeJsonError('ERR body: must be JSON like {"action":"set","delayMs":100}'));
    }
    try {
      // Without links the request is still checked (an empty set of links validates it).
      const changed = (links ?? new NodeLinks([])).apply(parsed);
      return this.plain(200, JSON.stringify(changed));
    } catch (error) {
      if (!hasMeridianCode(error, 'MERIDIAN_NODE_LAG_REQUEST_INVALID')) throw error;
      return this.plain(400, encodeJsonError(`ERR ${error.message}`));
    }
  }

  /**
   * A replica's forwarded EXEC (`x-meridian-watch-offset`, first command `WATCH <keys>`): 'aborted'
   * when a watched key changed after the offset, else the transaction without its WATCH.
   */
  private watchedTransaction(parsed: CommandCall, request: RestRequest): CommandCall | 'aborted' | undefined {
    const header = request.headers[WATCH_OFFSET_HEADER];
    if (parsed.kind !== 'transaction' || typeof header !== 'string') return undefined;
    const [first, ...commands] = parsed.commands;
    const offset = Number(header);
    if (first?.[0]?.toLowerCase() !== 'watch' || !Number.isSafeInteger(offset) || commands.length === 0)
      return undefined;
    const guard = this.options.watchGuard;
    if (guard === undefined || guard(first.slice(1), offset)) return 'aborted';
    return { ...parsed, commands };
  }

  /** Whether a request is a Prometheus scrape (`GET /metrics`), answered by `scrape`. */
  static isScrape(url: string): boolean {
    return url === '/metrics' || url.startsWith('/metrics?');
  }

  /** `GET /metrics`: the Prometheus exposition, for the admin token or the metrics token. */
  async scrape(request: RestRequest): Promise<RestResponse> {
    const metrics = this.options.metrics;
    if (metrics === undefined) return this.plain(404, encodeJsonError('ERR no metrics on this node'));
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(String(request.headers['authorization'] ?? ''));
    const credential = match?.[1];
    if (!this.isAdmin(credential) && this.options.metricsToken?.matches(credential) !== true) {
      return this.plain(401, encodeJsonError(ERR_AUTH));
    }
    const { contentType, text } = await metrics.scrape();
    return { status: 200, headers: { 'content-type': contentType }, body: text };
  }

  private call(parsed: CommandCall, request: RestRequest): RestResponse | Promise<RestResponse> {
    const metrics = this.options.metrics;
    if (metrics !== undefined) return this.measured(metrics, parsed, request);
    return this.counted(parsed, request);
  }

  private measured(
    metrics: NodeMetrics,
    parsed: CommandCall,
    request: RestRequest,
  ): RestResponse | Promise<RestResponse> {
    const startedMs = performance.now();
    const record = (response: RestResponse): RestResponse => {
      const commands =
        parsed.kind === 'command' ? [commandName(parsed.argv[0])] : parsed.commands.map((argv) => commandName(argv[0]));
      const header = request.headers[CONSISTENCY_HEADER];
      metrics.record({
        commands,
        status: response.status,
        durationMs: performance.now() - startedMs,
        consistency: typeof header === 'string' && header !== '' ? header.trim().toLowerCase() : 'default',
      });
      return response;
    };
    const answered = this.counted(parsed, request);
    return answered instanceof Promise ? answered.then(record) : record(answered);
  }

  private counted(parsed: CommandCall, request: RestRequest): RestResponse | Promise<RestResponse> {
    const traffic = this.options.traffic;
    if (traffic === undefined) return this.run(parsed, request);
    const startedMs = traffic.now();
    const commands = parsed.kind === 'command' ? 1 : parsed.commands.length;
    const isRead =
      parsed.kind === 'command'
        ? isReadOnlyRequest([parsed.argv])
        : parsed.kind === 'pipeline' && isReadOnlyRequest(parsed.commands);
    const finish = (response: RestResponse): RestResponse => {
      const endedMs = traffic.now();
      traffic.record(commands, isRead ? endedMs - startedMs : undefined, endedMs);
      return response;
    };
    const answered = this.run(parsed, request);
    return answered instanceof Promise ? answered.then(finish) : finish(answered);
  }

  private run(call: CommandCall, request: RestRequest): RestResponse | Promise<RestResponse> {
    const timing = this.options.timing;
    if (timing === undefined || request.headers[TIMING_HEADER] === undefined) return this.execute(call, request);
    const stamp = (response: RestResponse): RestResponse => {
      if (response.headers['upstash-sync-token'] !== undefined) timing(response.headers, call.syncToken?.offset);
      return response;
    };
    const answered = this.execute(call, request);
    return answered instanceof Promise ? answered.then(stamp) : stamp(answered);
  }

  private execute(call: CommandCall, request: RestRequest): RestResponse | Promise<RestResponse> {
    const lost = call.syncToken === undefined ? undefined : this.options.lostWrite?.(call.syncToken);
    if (lost !== undefined) return this.commandError(call, lost);
    const watched = this.watchedTransaction(call, request);
    if (watched === 'aborted') {
      // EXEC's answer when a watched key changed: a null array.
      const body = call.format === 'resp2' ? Buffer.from('*-1\r\n', 'latin1') : '{"result":null}';
      return this.commandResponse(200, body, this.options.router.currentSyncToken(), 0);
    }
    const parsed = watched ?? call;
    const prepared = this.prepare(parsed);
    if (prepared instanceof ReplyError) return this.commandError(parsed, prepared.message);
    try {
      const durability = request.headers[DURABILITY_HEADER];
      if (durability !== undefined && durability !== 'majority') {
        return this.commandError(parsed, `ERR ${DURABILITY_HEADER} must be majority, got "${String(durability)}"`);
      }
      const context = {
        syncToken: parsed.syncToken,
        consistency: parseConsistency(request.headers[CONSISTENCY_HEADER]),
        request,
        durability: durability === undefined ? undefined : ('majority' as const),
      };
      const outcome = this.options.router.run(prepared.batch, context);
      if (!(outcome instanceof Promise)) return this.answer(parsed, outcome, prepared.refusals);
      return outcome.then(
        (settled) => this.answer(parsed, settled, prepared.refusals),
        (error: unknown) => this.internalError(error),
      );
    } catch (error) {
      return this.internalError(error);
    }
  }

  private answer(parsed: CommandCall, result: RunResult, refusals: Map<number, ReplyError> | undefined): RestResponse {
    return 'forwarded' in result ? asNodeResponse(result.forwarded) : this.encode(parsed, result, refusals);
  }

  /** Applies per-command refusals: a single command or a transaction fails whole; a pipeline per entry. */
  private prepare(
    parsed: CommandCall,
  ): { batch: CommandBatch; refusals: Map<number, ReplyError> | undefined } | ReplyError {
    if (parsed.kind === 'command') {
      const refusal = commandRefusal(parsed.argv, parsed.access);
      return refusal === undefined ? { batch: parsed, refusals: undefined } : new ReplyError(refusal);
    }
    const transactionMax = this.options.transactionCommandsMax ?? TRANSACTION_COMMANDS_MAX_DEFAULT;
    if (parsed.kind === 'transaction' && parsed.commands.length > transactionMax) {
      return new ReplyError(transactionTooLarge(parsed.commands.length, transactionMax));
    }
    let refusals: Map<number, ReplyError> | undefined;
    for (let i = 0; i < parsed.commands.length; i++) {
      const refusal = commandRefusal(parsed.commands[i] as ByteString[], parsed.access);
      if (refusal === undefined) continue;
      if (parsed.kind === 'transaction') return new ReplyError(refusal);
      (refusals ??= new Map()).set(i, new ReplyError(refusal));
    }
    if (refusals === undefined) return { batch: parsed, refusals };
    const commands = parsed.commands.filter((_, i) => !refusals.has(i));
    return { batch: { kind: 'pipeline', commands }, refusals };
  }

  private encode(
    parsed: CommandCall,
    outcome: BatchOutcome,
    refusals: Map<number, ReplyError> | undefined,
  ): RestResponse {
    const { replies, syncToken, stalenessMs } = outcome;
    if (replies instanceof ReplyError) return this.commandError(parsed, replies.message, syncToken, stalenessMs);
    const replyMax = this.options.replyBytesMax ?? REPLY_BYTES_MAX_DEFAULT;
    const single = replies[0];
    const small =
      replies.length === 1 &&
      (typeof single === 'string' ? single.length <= replyMax : typeof single !== 'object' || single === null);
    if (!small && replyBytes(replies, replyMax) > replyMax) {
      return this.commandError(parsed, replyTooLarge(replyMax), syncToken, stalenessMs);
    }
    const resp2 = parsed.format === 'resp2';
    const base64 = parsed.format === 'base64';
    if (parsed.kind === 'command') {
      const reply = replies[0] as Reply;
      const status = reply instanceof ReplyError ? 400 : 200;
      if (resp2) return this.commandResponse(status, Buffer.from(encodeResp(reply), 'latin1'), syncToken, stalenessMs);
      return this.commandResponse(status, encodeJsonResult(reply, base64), syncToken, stalenessMs);
    }
    const merged = refusals === undefined ? replies : mergeRefusals(replies, refusals);
    if (!resp2) return this.commandResponse(200, encodeJsonEntries(merged, base64), syncToken, stalenessMs);
    const raw = parsed.kind === 'transaction' ? encodeResp(merged) : encodeRespAll(merged);
    return this.commandResponse(200, Buffer.from(raw, 'latin1'), syncToken, stalenessMs);
  }

  private commandError(parsed: RestCall, message: string, syncToken?: string, stalenessMs?: number): RestResponse {
    const token = syncToken ?? this.options.router.currentSyncToken();
    const staleness = stalenessMs ?? this.options.router.currentStalenessMs();
    if (parsed.format === 'resp2') {
      return this.commandResponse(400, Buffer.from(`-${message}\r\n`, 'latin1'), token, staleness);
    }
    return this.commandResponse(400, encodeJsonError(message), token, staleness);
  }

  private commandResponse(status: number, body: string | Buffer, syncToken: string, stalenessMs: number): RestResponse {
    // A literal with fixed keys: spreading shared header objects is measurably slower on the hot path.
    const headers: Record<string, string> = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      'content-type': typeof body === 'string' ? JSON_TYPE : RESP_TYPE,
      'upstash-sync-token': syncToken,
      [STALENESS_HEADER]: String(Math.round(stalenessMs)),
    };
    if (this.options.region !== undefined) headers[SERVED_BY_HEADER] = this.options.region;
    return { status, headers, body };
  }

  private get report(): Report {
    return this.options.report ?? reportToStderr;
  }

  private internalError(error: unknown): RestResponse {
    this.report(`meridian: request failed: ${errorText(error)}`, {
      event: 'request.failed',
      level: 'error',
      fields: { stack: errorStack(error) },
    });
    return this.plain(500, encodeJsonError(ERR_INTERNAL));
  }
}

function mergeRefusals(replies: readonly Reply[], refusals: Map<number, ReplyError>): Reply[] {
  const merged: Reply[] = [];
  let next = 0;
  for (let i = 0; i < replies.length + refusals.size; i++) {
    merged.push(refusals.get(i) ?? (replies[next++] as Reply));
  }
  return merged;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorStack(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}
