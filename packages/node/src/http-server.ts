import http from 'node:http';
import type { ParsedRestRequest } from '@meridian/rest';
import { ERR_TOO_LARGE, encodeJsonError } from '@meridian/rest';
import type { RestHandler, RestResponse } from './handler.js';

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

/** The REST API on node:http: bounded bodies, explicit timeouts, keep-alive, no needless copies. */
export function createHttpServer(handler: RestHandler, options: HttpServerOptions): http.Server {
  const server = http.createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connectionsCheckingInterval: timeoutCheckMs(options),
      noDelay: true,
    },
    (request, response) => {
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
        dispatch(handler, options, request, response, body);
      });
      request.on('error', () => response.destroy());
    },
  );
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs;
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return server;
}

function dispatch(
  handler: RestHandler,
  options: HttpServerOptions,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  body: Buffer,
): void {
  const rest = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body };
  const parsed = handler.parse(rest);
  if (parsed.kind === 'stream' && options.streams !== undefined) {
    options.streams(parsed, request, response);
    return;
  }
  const answer = handler.respond(parsed, rest);
  if (answer instanceof Promise) void answer.then((settled) => send(response, settled));
  else send(response, answer);
}
