import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { CorsPolicy, ParsedRestRequest } from '@meridian/rest';
import {
  ERR_REQUEST_TIMEOUT,
  ERR_TOO_LARGE,
  type FrontAnswer,
  applyCorsPolicy,
  encodeJsonError,
  enforceCorsPolicy,
  listenFront,
} from '@meridian/rest';
import { RestHandler, type RestResponse } from './handler.js';

export type StreamRequest = Extract<ParsedRestRequest, { kind: 'stream' }>;

/** Serves `/subscribe`, `/psubscribe` and `/monitor` as server-sent events (the pub/sub layer plugs in here). */
export type StreamHandler = (
  parsed: StreamRequest,
  request: http.IncomingMessage,
  response: http.ServerResponse,
) => void;

export interface HttpServerOptions {
  readonly requestBytesMax: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly streams: StreamHandler | undefined;
  /** Allowed origins for every answer, SSE streams included; default any (`*`). */
  readonly cors?: CorsPolicy;
  /** Serve HTTPS (and WSS) with this certificate. */
  readonly tls?: ServedTls;
}

/** A certificate a node or router serves (PEM), the CA it checks client certificates with, and whether it asks. */
export interface ServedTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca?: string | Buffer | undefined;
  /** Ask clients for a certificate (checked against `ca`; unauthorised clients are still served, see WsListener). */
  readonly requestClientCert?: boolean;
}

/** node:tls options for serving `tls`. */
export function tlsServerOptions(tls: ServedTls): https.ServerOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.requestClientCert === true ? { requestCert: true, rejectUnauthorized: false } : {}),
  };
}

export const HTTP_TIMEOUTS_DEFAULT = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 };
const TIMEOUT_CHECK_MS_MIN = 10;
const TIMEOUT_CHECK_MS_MAX = 1_000;
/** How long, and for how many more bytes, a connection refused with 413 is drained before it is dropped. */
const LINGER_MS = 1_000;
const LINGER_BYTES_MAX = 1024 * 1024;

function send(response: http.ServerResponse, answer: RestResponse): void {
  if (response.destroyed) return;
  const length = typeof answer.body === 'string' ? Buffer.byteLength(answer.body, 'utf8') : answer.body.length;
  answer.headers['content-length'] = String(length);
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

/**
 * Closes the connection after the answer without losing it: node:http destroys the socket once the
 * answer is flushed, and with request bytes still unread the kernel then resets the connection, often
 * before the client has read the answer. Discarding what still arrives for a bounded time and byte
 * count first lets a client that keeps uploading see its 413.
 */
function lingeringClose(request: http.IncomingMessage, response: http.ServerResponse): void {
  const socket = request.socket;
  response.once('finish', () => {
    socket.removeListener('finish', socket.destroy);
    let discardedBytes = 0;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.on('data', (chunk: Buffer) => {
      discardedBytes += chunk.length;
      if (discardedBytes > LINGER_BYTES_MAX) socket.destroy();
    });
  });
}

/** Answers 413 at once and keeps no more of the body; the connection closes after the answer. */
function tooLarge(handler: RestHandler, request: http.IncomingMessage, response: http.ServerResponse): void {
  request.removeAllListeners('data');
  request.resume();
  lingeringClose(request, response);
  const answer = handler.plain(413, encodeJsonError(ERR_TOO_LARGE));
  answer.headers['connection'] = 'close';
  send(response, answer);
}

/**
 * How often node:http enforces the header and request timeouts. Its default (30 s) would let a
 * slow client hold a connection far beyond a short timeout.
 */
function timeoutCheckMs(options: HttpServerOptions): number {
  const shortest = Math.min(options.headersTimeoutMs || Infinity, options.requestTimeoutMs || Infinity);
  return Math.min(TIMEOUT_CHECK_MS_MAX, Math.max(TIMEOUT_CHECK_MS_MIN, Math.floor(shortest / 4)));
}

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', ERR_REQUEST_TIMEOUT],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'ERR request headers too large'],
};
/** Pipelined requests of one connection run at most this many ahead of their answers being written. */
const PIPELINE_DEPTH_MAX = 8;

interface PipelineState {
  active: number;
  readonly waiting: (() => void)[];
}

const pipelines = new WeakMap<Duplex, PipelineState>();

/**
 * Runs a request once fewer than PIPELINE_DEPTH_MAX answers of its connection are unwritten. node:http
 * stops reading a socket whose client does not read, but still parses every request of the chunk it
 * has read; running them all would buffer one answer each in memory.
 */
function inTurn(request: http.IncomingMessage, response: http.ServerResponse, run: () => void): void {
  const socket = request.socket;
  let state = pipelines.get(socket);
  if (state === undefined) {
    state = { active: 0, waiting: [] };
    pipelines.set(socket, state);
  }
  const pipeline = state;
  const start = (): void => {
    pipeline.active++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      pipeline.active--;
      pipeline.waiting.shift()?.();
    };
    response.once('finish', release);
    response.once('close', release);
    run();
  };
  if (pipeline.active < PIPELINE_DEPTH_MAX) start();
  else pipeline.waiting.push(start);
}

const MALFORMED = [400, 'Bad Request', 'ERR malformed HTTP request'] as const;

/** Requests node:http cannot parse, or that time out, get a JSON error like every other failure. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  const body = encodeJsonError(message);
  if (inFlight) {
    // A request whose body is malformed already has its response object: answer through it.
    inFlight.shouldKeepAlive = false;
    inFlight.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    inFlight.end(body, () => socket.destroy());
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The REST API on node:http: bounded bodies, explicit timeouts, keep-alive, no needless copies. */
export function createHttpServer(handler: RestHandler, options: HttpServerOptions): http.Server {
  const settings: http.ServerOptions = {
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connectionsCheckingInterval: timeoutCheckMs(options),
    noDelay: true,
  };
  const serve = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    if (options.cors !== undefined) enforceCorsPolicy(options.cors, request, response);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > options.requestBytesMax) {
      tooLarge(handler, request, response);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= options.requestBytesMax) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      tooLarge(handler, request, response);
    });
    request.on('end', () => {
      if (size > options.requestBytesMax) return;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      inTurn(request, response, () => dispatch(handler, options, request, response, body));
    });
    request.on('error', () => response.destroy());
  };
  const server: http.Server =
    options.tls === undefined
      ? http.createServer(settings, serve)
      : https.createServer({ ...settings, ...tlsServerOptions(options.tls) }, serve);
  server.on('clientError', answerClientError);
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs;
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return server;
}

const MONITOR_PATH = /^\/monitor\/?(?:\?|$)/i;

/**
 * The node's listener for plain HTTP (undefined with TLS: `server` listens itself): REST requests
 * are read and answered by the front door (rest's front.ts) with one write each; event streams,
 * MONITOR, `/metrics`, WebSocket upgrades (replication, pub/sub) and anything unusual go to
 * `server`, exactly as before.
 */
export function createFrontListener(
  server: http.Server,
  handler: RestHandler,
  options: HttpServerOptions,
  onConnection: (socket: net.Socket) => void,
): net.Server | undefined {
  if (options.tls !== undefined) return undefined;
  const cors = options.cors?.allowedOrigins === '*' ? undefined : options.cors;
  const withCors = (answer: RestResponse, origin: string | undefined): FrontAnswer => {
    if (cors !== undefined) applyCorsPolicy(answer.headers, cors, origin);
    return answer;
  };
  return listenFront(
    server,
    {
      answer: (request) => {
        if (MONITOR_PATH.test(request.url) || RestHandler.isScrape(request.url)) return undefined;
        const parsed = handler.parse(request);
        if (parsed.kind === 'stream') return undefined;
        const answer = handler.respond(parsed, request);
        const origin = request.headers['origin'];
        return answer instanceof Promise
          ? answer.then((settled) => withCors(settled, origin))
          : withCors(answer, origin);
      },
      requestBytesMax: options.requestBytesMax,
      keepAliveMs: options.keepAliveTimeoutMs,
      headersMs: options.headersTimeoutMs,
      requestMs: options.requestTimeoutMs,
    },
    onConnection,
  );
}

function dispatch(
  handler: RestHandler,
  options: HttpServerOptions,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  body: Buffer,
): void {
  const rest = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body };
  if (options.streams !== undefined && MONITOR_PATH.test(rest.url)) {
    // MONITOR authenticates with the admin token, which the REST parser does not know: the stream decides.
    options.streams(
      { kind: 'stream', stream: 'monitor', channels: [], access: 'standard', format: 'json', syncToken: undefined },
      request,
      response,
    );
    return;
  }
  if (RestHandler.isScrape(rest.url)) {
    void handler.scrape(rest).then((answer) => send(response, answer));
    return;
  }
  const parsed = handler.parse(rest);
  if (parsed.kind === 'stream' && options.streams !== undefined) {
    options.streams(parsed, request, response);
    return;
  }
  const answer = handler.respond(parsed, rest);
  if (answer instanceof Promise) void answer.then((settled) => send(response, settled));
  else send(response, answer);
}
