import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LinkConfig } from '@meridian/lag';
import { ExperimentUnavailableError } from './experiment-errors.js';
import type { FailoverStatus, LiveAnswer, LiveRegion, LiveSubscription, LiveTopology } from './live.js';

export interface HttpLiveTopologyOptions {
  regions: readonly LiveRegion[];
  /** The standard REST token. */
  token: string;
  /** Guards /_meridian/status, digest and POST lag; the standard token when absent. */
  adminToken?: string | undefined;
  /** Supervisor hooks; absent when the experiment attached to a topology it did not launch. */
  crash?: (region: string) => Promise<void>;
  restart?: (region: string) => Promise<void>;
  pause?: (region: string) => Promise<void>;
  resume?: (region: string) => Promise<void>;
  /** Per request; a request without an answer by then rejects. */
  requestTimeoutMs?: number;
  /** Sockets kept open per region (keep-alive). */
  socketsPerRegionMax?: number;
}

const ANSWER_BYTES_MAX = 16 * 1024 * 1024;

/** An HTTP failure (no answer, refused connection, timeout): the request never reached a node's reply. */
export class LiveRequestError extends Error {
  readonly code = 'MERIDIAN_LIVE_REQUEST_FAILED';
}

/** `LiveTopology` over real HTTP: Upstash REST commands and the `/_meridian/` admin endpoints. */
export class HttpLiveTopology implements LiveTopology {
  readonly regions: readonly LiveRegion[];
  readonly token: string;
  private readonly adminToken: string;
  private readonly agent: http.Agent;
  private readonly urls = new Map<string, string>();

  constructor(private readonly options: HttpLiveTopologyOptions) {
    this.regions = options.regions;
    this.token = options.token;
    this.adminToken = options.adminToken ?? options.token;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.socketsPerRegionMax ?? 128 });
    for (const region of options.regions) this.urls.set(region.name, region.url.replace(/\/$/, ''));
  }

  get supervised(): boolean {
    return this.options.crash !== undefined && this.options.restart !== undefined;
  }

  nowMs(): number {
    return performance.now();
  }

  async adminStatus(region: string): Promise<{ appliedOffset: number; stalenessMs: number }> {
    const answer = await this.call(region, 'GET', '/_meridian/status', this.adminToken, undefined, {});
    const body = answer.body as Record<string, unknown> | null;
    if (answer.status !== 200 || body === null || typeof body !== 'object') {
      throw new LiveRequestError(`${region}: /_meridian/status answered ${answer.status}`);
    }
    const applied = body['appliedOffset'];
    const staleness = body['stalenessMs'];
    return {
      appliedOffset: typeof applied === 'number' ? applied : 0,
      stalenessMs: typeof staleness === 'number' ? staleness : Infinity,
    };
  }

  async failoverStatus(region: string): Promise<FailoverStatus> {
    const answer = await this.call(region, 'GET', '/_meridian/status', this.adminToken, undefined, {});
    const body = answer.body as Record<string, unknown> | null;
    if (answer.status !== 200 || body === null || typeof body !== 'object') {
      throw new LiveRequestError(`${region}: /_meridian/status answered ${answer.status}`);
    }
    const election = (body['election'] ?? {}) as { term?: unknown; leaseHeld?: unknown };
    const epoch = typeof body['epoch'] === 'number' ? body['epoch'] : 0;
    return {
      role: String(body['role']),
      epoch,
      term: typeof election.term === 'number' ? election.term : epoch,
      leaseHeld: election.leaseHeld === true,
    };
  }

  async pause(region: string): Promise<void> {
    if (this.options.pause === undefined)
      throw new ExperimentUnavailableError(
        'pause faults need a topology the experiment launched itself (not --attach)',
      );
    await this.options.pause(region);
  }

  async resume(region: string): Promise<void> {
    await this.options.resume?.(region);
  }

  async digest(region: string): Promise<{ offset: number; digest: string }> {
    const answer = await this.call(region, 'GET', '/_meridian/digest', this.adminToken, undefined, {});
    const body = answer.body as { offset?: unknown; digest?: unknown } | null;
    if (answer.status !== 200 || typeof body?.offset !== 'number' || typeof body.digest !== 'string') {
      throw new LiveRequestError(`${region}: /_meridian/digest answered ${answer.status}`);
    }
    return { offset: body.offset, digest: body.digest };
  }

  /** Sends the change to every node (each applies it to the links it sends on). */
  async setLink(from: string, to: string, change: LinkConfig & { partitioned?: boolean }): Promise<void> {
    const body = lagBody(from, to, change);
    const answers = await Promise.allSettled(
      this.regions.map((region) =>
        this.call(region.name, 'POST', '/_meridian/lag', this.adminToken, JSON.stringify(body), {}),
      ),
    );
    for (const [i, answer] of answers.entries()) {
      const name = this.regions[i]?.name ?? '?';
      // A node that is down keeps no links; it gets the config's links when it restarts.
      if (answer.status === 'fulfilled' && answer.value.status !== 200) {
        throw new LiveRequestError(`${name}: /_meridian/lag answered ${answer.value.status}`);
      }
    }
  }

  async crash(region: string): Promise<void> {
    if (this.options.crash === undefined) {
      throw new ExperimentUnavailableError(
        'crash faults need a topology the experiment launched itself (not --attach)',
      );
    }
    await this.options.crash(region);
  }

  async restart(region: string): Promise<void> {
    if (this.options.restart === undefined) {
      throw new ExperimentUnavailableError(
        'restart faults need a topology the experiment launched itself (not --attach)',
      );
    }
    await this.options.restart(region);
  }

  request(region: string, argv: readonly string[], headers: Record<string, string>): Promise<LiveAnswer> {
    return this.call(region, 'POST', '/', this.token, JSON.stringify(argv), headers);
  }

  /**
   * `POST /subscribe/<channel>` as server-sent events on its own connection. Resolves at the
   * node's `subscribe` event; `data: message,<channel>,<payload>` lines go to `onMessage`.
   */
  subscribe(
    region: string,
    channel: string,
    onMessage: (payload: string) => void,
    onEnd: (reason: string) => void,
  ): Promise<LiveSubscription> {
    const base = this.urls.get(region);
    if (base === undefined) return Promise.reject(new Error(`unknown region ${region}`));
    return new Promise((resolve, reject) => {
      let confirmed = false;
      let closing = false;
      const request = http.request(`${base}/subscribe/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'text/event-stream',
          'content-type': 'application/json',
        },
      });
      const subscription: LiveSubscription = {
        close: () => {
          closing = true;
          request.destroy();
        },
      };
      const ended = (reason: string): void => {
        if (closing) return;
        closing = true;
        if (confirmed) onEnd(reason);
        else reject(new LiveRequestError(`${region}: subscribe failed: ${reason}`));
      };
      const prefix = `data: message,${channel},`;
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          return ended(`HTTP ${response.statusCode ?? 0}`);
        }
        response.setEncoding('latin1');
        let buffered = '';
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let end = buffered.indexOf('\n');
          while (end >= 0) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            if (line.startsWith(prefix)) onMessage(line.slice(prefix.length));
            else if (line.startsWith('data: subscribe,') && !confirmed) {
              confirmed = true;
              resolve(subscription);
            } else if (line.startsWith('data: error,')) ended(line.slice('data: error,'.length));
            end = buffered.indexOf('\n');
          }
        });
        response.on('end', () => ended('the node closed the stream'));
        response.on('close', () => ended('the stream closed'));
        response.on('error', (error) => ended(error.message));
      });
      request.on('error', (error) => ended(error.message));
      request.end('[]');
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private call(
    region: string,
    method: string,
    path: string,
    token: string,
    body: string | undefined,
    extra: Record<string, string>,
  ): Promise<LiveAnswer> {
    const base = this.urls.get(region);
    if (base === undefined) return Promise.reject(new Error(`unknown region ${region}`));
    const headers: Record<string, string> = { ...extra, authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${base}${path}`,
        { method, headers, agent: this.agent, timeout: timeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > ANSWER_BYTES_MAX) request.destroy(new Error('answer too large'));
            else chunks.push(chunk);
          });
          response.on('end', () => resolve(answerOf(response, Buffer.concat(chunks).toString('utf8'))));
          response.on('error', (error) => reject(new LiveRequestError(`${region}: ${error.message}`)));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error) => reject(new LiveRequestError(`${region}: ${error.message}`)));
      request.end(body);
    });
  }
}

function answerOf(response: http.IncomingMessage, text: string): LiveAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers[name] = value;
    else if (Array.isArray(value)) headers[name] = value.join(', ');
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode ?? 0, body, headers };
}

function lagBody(from: string, to: string, change: LinkConfig & { partitioned?: boolean }): Record<string, unknown> {
  const { partitioned, ...link } = change;
  if (partitioned === true) return { action: 'partition', from, to };
  if (partitioned === false) return { action: 'heal', from, to };
  if (Object.keys(link).length === 0) return { action: 'clear', from, to };
  return { action: 'set', from, to, ...link };
}
