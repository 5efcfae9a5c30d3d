import type { HeaderMap, RegionCallResult, RegionClient, RegionRequest } from './region-client.js';

/** One region as a function: a node's RestHandler, or the simulator's model of one. */
export type RegionFunction = (request: {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderMap;
  readonly body: Buffer;
}) =>
  | { readonly status: number; readonly headers: HeaderMap; readonly body: string | Uint8Array }
  | Promise<{ readonly status: number; readonly headers: HeaderMap; readonly body: string | Uint8Array }>;

const encoder = new TextEncoder();

/**
 * The RegionClient over functions, without sockets: the router's tests (real nodes answering
 * through their RestHandler) and in-process embeddings. A region can be cut off and healed, as a
 * network partition between the router and it would.
 */
export class FunctionRegionClient implements RegionClient {
  private readonly cut = new Set<string>();

  constructor(private readonly regions: ReadonlyMap<string, RegionFunction>) {}

  /** Requests to `url` fail as a refused connection would, until `heal`. */
  cutOff(url: string): void {
    this.cut.add(url);
  }

  heal(url: string): void {
    this.cut.delete(url);
  }

  async send(url: string, request: RegionRequest): Promise<RegionCallResult> {
    const region = this.regions.get(url);
    if (region === undefined || this.cut.has(url)) {
      return { kind: 'failed', error: `connect ECONNREFUSED ${url}`, timedOut: false, retryable: false };
    }
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const answer = await region({ method: request.method, url: request.path, headers: request.headers, body });
    const bytes = typeof answer.body === 'string' ? encoder.encode(answer.body) : answer.body;
    return { kind: 'answered', answer: { status: answer.status, headers: answer.headers, body: bytes } };
  }
}
