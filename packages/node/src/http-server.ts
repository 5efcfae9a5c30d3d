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

function send(response: http.ServerResponse, answer: RestResponse): void {
  if (response.destroyed) return;
  const length = typeof answer.body === 'string' ? Buffer.byteLength(answer.body, 'utf8') : answer.body.length;
  answer.headers['content-length'] = String(length);
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}

function tooLarge(handler: RestHandler, response: http.ServerResponse): void {
  const answer = handler.plain(413, encodeJsonError(ERR_TOO_LARGE));
  answer.headers['connection'] = 'close';
  send(response, answer);
}

/** The REST API on node:http: bounded bodies, explicit timeouts, keep-alive, no needless copies. */
export function createHttpServer(handler: RestHandler, options: HttpServerOptions): http.Server {
  const server = http.createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      noDelay: true,
    },
    (request, response) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > options.requestBytesMax) {
        tooLarge(handler, response);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= options.requestBytesMax) chunks.push(chunk);
        else chunks.length = 0;
      });
      request.on('end', () => {
        if (size > options.requestBytesMax) return tooLarge(handler, response);
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
