import http from 'node:http';
import { SERVED_BY_HEADER, STALENESS_HEADER } from '@meridian/rest';

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** Answers up to this size are buffered and sent in one write; larger ones and event streams are piped. */
const BUFFERED_ANSWER_BYTES_MAX = 64 * 1024;

export function forwardedHeaders(
  headers: http.IncomingHttpHeaders,
  extra: Record<string, string>,
): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return { ...out, ...extra };
}

export interface ForwardTarget {
  readonly region: string;
  readonly url: string;
  /** The router's view of the region's staleness; sent when the node does not say. */
  readonly stalenessMs: number;
  /** The consistency level the read was routed with, echoed as `x-meridian-consistency`. */
  readonly consistency: string;
}

export interface ForwardRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.OutgoingHttpHeaders;
  /** A buffered body (replayable on failover) or the client's request, streamed once. */
  readonly body: Buffer | http.IncomingMessage;
  readonly requestBytesMax: number;
  /** undefined: no limit (event streams). */
  readonly timeoutMs: number | undefined;
  readonly agent: http.Agent;
  /** Waited before the answer's headers are written (modelled client latency). */
  readonly responseDelayMs: number;
}

export type ForwardResult =
  | { readonly kind: 'answered' }
  | { readonly kind: 'failed'; readonly error: string; readonly reusedSocket: boolean }
  | { readonly kind: 'tooLarge' };

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function streamBody(
  source: http.IncomingMessage,
  upstream: http.ClientRequest,
  bytesMax: number,
  onTooLarge: () => void,
): void {
  let size = 0;
  source.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > bytesMax) {
      source.pause();
      onTooLarge();
      return;
    }
    if (!upstream.write(chunk)) {
      source.pause();
      upstream.once('drain', () => source.resume());
    }
  });
  source.on('end', () => upstream.end());
  source.on('error', () => upstream.destroy());
}

function answerHeaders(upstream: http.IncomingMessage, target: ForwardTarget): http.OutgoingHttpHeaders {
  const headers = forwardedHeaders(upstream.headers, { 'x-meridian-consistency': target.consistency });
  if (headers[SERVED_BY_HEADER] === undefined) headers[SERVED_BY_HEADER] = target.region;
  if (headers[STALENESS_HEADER] === undefined && Number.isFinite(target.stalenessMs)) {
    headers[STALENESS_HEADER] = String(Math.round(target.stalenessMs));
  }
  return headers;
}

/**
 * Sends one request to one region and pipes the answer to the client. Resolves once the answer has
 * started (`answered`) or the region could not be reached before any answer (`failed`), so the
 * caller can fail over.
 */
export function forwardOnce(
  target: ForwardTarget,
  request: ForwardRequest,
  response: http.ServerResponse,
): Promise<ForwardResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: ForwardResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const upstream = http.request(`${target.url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      agent: request.agent,
      ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
    });
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${request.timeoutMs} ms`)));
    upstream.on('error', (error) => {
      if (!settled) settle({ kind: 'failed', error: error.message, reusedSocket: upstream.reusedSocket });
      else response.destroy();
    });
    upstream.on('response', (answer) => {
      settle({ kind: 'answered' });
      void sleep(request.responseDelayMs).then(() => {
        if (response.destroyed) {
          answer.destroy();
          return;
        }
        const headers = answerHeaders(answer, target);
        const length = Number(answer.headers['content-length']);
        answer.on('error', () => response.destroy());
        if (Number.isFinite(length) && length <= BUFFERED_ANSWER_BYTES_MAX) {
          // A small answer goes out in one write with its headers (fewer syscalls than piping).
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            response.writeHead(answer.statusCode ?? 502, headers);
            response.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
          });
          return;
        }
        response.writeHead(answer.statusCode ?? 502, headers);
        if (typeof response.flushHeaders === 'function') response.flushHeaders();
        answer.pipe(response);
      });
    });
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    if (Buffer.isBuffer(request.body)) upstream.end(request.body);
    else {
      streamBody(request.body, upstream, request.requestBytesMax, () => {
        upstream.destroy();
        settle({ kind: 'tooLarge' });
      });
    }
  });
}

/** Reads a whole body up to `bytesMax`; undefined when it is larger. */
export function readBody(request: http.IncomingMessage, bytesMax: number): Promise<Buffer | undefined> {
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
