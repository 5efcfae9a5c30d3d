import http from 'node:http';
import https from 'node:https';
import { type TlsTrust, tlsConnectError } from '@meridian/replication';
import { type Clock, type LinkModel, OrderedDelayLine } from '@meridian/lag';
import { CORS_HEADERS, encodeJsonError, type RestRequest } from '@meridian/rest';
import { FORWARDED_BY_HEADER, type Forwarder, type RestResponse } from '@meridian/core';

export { FORWARDED_BY_HEADER };

/**
 * How long a replica waits for the primary's answer to a forwarded request by default: a paused or
 * wedged primary must not hold strong and bounded reads (and writes) for the whole HTTP timeout.
 */
export const FORWARD_TIMEOUT_MS_DEFAULT = 5_000;
/** The error code of a forward that timed out. */
export const FORWARD_TIMEOUT_CODE = 'MERIDIAN_FORWARD_TIMEOUT';

const REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'upstash-encoding',
  'upstash-response-format',
  'upstash-sync-token',
  'x-meridian-argument-encoding',
  'x-meridian-watch-offset',
  'x-meridian-durability',
] as const;
const RESPONSE_HEADERS = [
  'content-type',
  'upstash-sync-token',
  'x-meridian-served-by',
  'x-meridian-staleness-ms',
  'allow',
] as const;

export interface ForwarderOptions {
  /** The primary's base URL, e.g. http://127.0.0.1:7701 */
  readonly primaryUrl: string;
  readonly region: string;
  readonly clock: Clock;
  /** The replica→primary link: forwards wait its delay, in order; a partition fails them. */
  readonly link: LinkModel | undefined;
  /** Deadline of a forwarded request's whole answer. */
  readonly timeoutMs: number;
  /** The deadline for requests that hold WAIT (which waits by design); default timeoutMs. */
  readonly waitTimeoutMs?: number;
  readonly responseBytesMax: number;
  readonly socketsMax?: number;
  /** For an https:// primary: the CA to trust and the client certificate. */
  readonly trust?: TlsTrust | undefined;
}

interface Outgoing {
  readonly start: () => void;
  readonly fail: (error: Error) => void;
}

/**
 * Hands requests to the primary over HTTP keep-alive and gives back its answer as it is (status,
 * body, sync token, served-by). Requests first travel the replica→primary link model.
 */
export class PrimaryForwarder implements Forwarder {
  private readonly agent: http.Agent;
  private readonly line: OrderedDelayLine<Outgoing> | undefined;
  private readonly base: URL;

  constructor(private readonly options: ForwarderOptions) {
    this.base = new URL(options.primaryUrl);
    const agentOptions = { keepAlive: true, maxSockets: options.socketsMax ?? 64 };
    const trust = options.trust;
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            ...agentOptions,
            ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
            ...(trust?.cert === undefined || trust.key === undefined ? {} : { cert: trust.cert, key: trust.key }),
          })
        : new http.Agent(agentOptions);
    if (options.link !== undefined) {
      this.line = new OrderedDelayLine<Outgoing>({
        clock: options.clock,
        model: options.link,
        deliver: (outgoing) => outgoing.start(),
        dropped: (outgoing) => outgoing.fail(new Error('the link to the primary is partitioned')),
      });
    }
  }

  /** `waits`: the request holds WAIT, which may take up to the longer waitTimeoutMs. */
  forward(request: RestRequest, waits = false): Promise<RestResponse> {
    const timeoutMs = waits ? (this.options.waitTimeoutMs ?? this.options.timeoutMs) : this.options.timeoutMs;
    return new Promise<RestResponse>((resolve) => {
      const fail = (error: Error): void => resolve(this.unreachable(error));
      // A pooled connection the primary closed meanwhile fails before any answer: try once more on a
      // fresh one (Node's documented pattern for keep-alive agents).
      const retry = (error: Error, reused: boolean): void => {
        if (reused) this.send(request, timeoutMs, resolve, (again) => fail(again));
        else fail(error);
      };
      const start = (): void => this.send(request, timeoutMs, resolve, retry);
      if (this.line === undefined) start();
      else this.line.send({ start, fail }, request.body.length + 256);
    });
  }

  close(): void {
    this.line?.close();
    this.agent.destroy();
  }

  private send(
    request: RestRequest,
    timeoutMs: number,
    resolve: (response: RestResponse) => void,
    fail: (error: Error, reusedSocket: boolean) => void,
  ): void {
    const headers: Record<string, string> = { [FORWARDED_BY_HEADER]: this.options.region };
    for (const name of REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    headers['content-length'] = String(request.body.length);
    let answered = false;
    const outgoing = (this.base.protocol === 'https:' ? https : http).request(
      {
        protocol: this.base.protocol,
        hostname: this.base.hostname,
        port: this.base.port,
        method: request.method,
        path: request.url,
        headers,
        agent: this.agent,
      },
      (response) => {
        answered = true;
        this.receive(
          response,
          (answer) => {
            clearTimeout(deadline);
            resolve(answer);
          },
          (error) => {
            clearTimeout(deadline);
            fail(error, false);
          },
        );
      },
    );
    // A deadline on the whole answer (not only on an idle socket): a wedged primary fails fast.
    const deadline = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms (${FORWARD_TIMEOUT_CODE})`);
      if (answered) outgoing.destroy(error);
      else {
        answered = true;
        outgoing.destroy();
        fail(error, false);
      }
    }, timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      if (answered) return;
      const stale = outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      fail(tlsConnectError(error, this.base.href), stale);
    });
    outgoing.end(request.body);
  }

  private receive(
    response: http.IncomingMessage,
    resolve: (response: RestResponse) => void,
    fail: (error: Error) => void,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.options.responseBytesMax) {
        response.destroy(new Error(`the primary's answer is larger than ${this.options.responseBytesMax} bytes`));
      } else chunks.push(chunk);
    });
    response.on('error', fail);
    response.on('end', () => {
      const headers: Record<string, string> = { ...CORS_HEADERS };
      for (const name of RESPONSE_HEADERS) {
        const value = response.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      resolve({ status: response.statusCode ?? 502, headers, body: Buffer.concat(chunks, size) });
    });
  }

  private unreachable(error: Error): RestResponse {
    const message = `ERR the primary is unreachable from ${this.options.region}: ${error.message}`;
    return {
      status: 503,
      headers: { ...CORS_HEADERS, 'content-type': 'application/json' },
      body: encodeJsonError(message),
    };
  }
}
