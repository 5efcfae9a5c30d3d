/**
 * The router's one port to the regions: send a request, get an answer or a failure. node:http in
 * the router process (http-region-client.ts), a function call in tests and the simulator
 * (memory-region-client.ts). Everything that decides lives in handler.ts and monitor.ts, over this.
 */

/** A body the router passes on without holding it whole: event streams and large answers. */
export interface AnswerStream extends AsyncIterable<Uint8Array> {
  /** The client went away: stop reading and release the upstream connection. */
  cancel(): void;
}

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
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
];

export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RegionRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: HeaderMap;
  /**
   * The same headers as lines to write as they are ("name: value\r\n" each; no host,
   * content-length or other hop-by-hop header), when the router has them from its front door.
   */
  readonly lines?: string | undefined;
  readonly body: Uint8Array;
  /** undefined: no limit (event streams). */
  readonly timeoutMs: number | undefined;
  /**
   * The region answers it at once, waiting on nothing (an eventual or strong read): it may be
   * written behind other such requests on one connection (HTTP/1.1 pipelining). Default false.
   */
  readonly pipelinable?: boolean;
}

export interface RegionAnswer {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Uint8Array | AnswerStream;
  /**
   * The header lines to pass on as the region wrote them ("name: value\r\n" each), from a client
   * that reads the head itself: every header but the hop-by-hop ones, content-length and
   * x-meridian-consistency (the router's own). With them, `servedBy`, `stalenessMs` and `dated` say
   * what the lines hold. Absent: the router builds its answer from `headers`.
   */
  readonly lines?: string | undefined;
  /** x-meridian-served-by's value in `lines`, if there is one. */
  readonly servedBy?: string | undefined;
  /** x-meridian-staleness-ms's value in `lines`, if there is one. */
  readonly stalenessMs?: string | undefined;
  /** Whether `lines` hold a date. */
  readonly dated?: boolean | undefined;
}

export type RegionCallResult =
  | { readonly kind: 'answered'; readonly answer: RegionAnswer }
  | {
      readonly kind: 'failed';
      readonly error: string;
      /** No answer within the timeout: the region is slow, not known to be down. */
      readonly timedOut: boolean;
      /** Failed on a kept-alive connection the region had closed: safe to send once more. */
      readonly retryable: boolean;
    };

export interface RegionClient {
  send(url: string, request: RegionRequest): Promise<RegionCallResult>;
}

/** Whether a body is a stream rather than bytes. */
export function isAnswerStream(body: string | Uint8Array | AnswerStream): body is AnswerStream {
  return typeof body !== 'string' && !(body instanceof Uint8Array);
}

/** Reads a body whole, up to `bytesMax` (undefined when larger). */
export async function readAnswer(body: Uint8Array | AnswerStream, bytesMax: number): Promise<Uint8Array | undefined> {
  if (body instanceof Uint8Array) return body.byteLength <= bytesMax ? body : undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > bytesMax) {
      body.cancel();
      return undefined;
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
